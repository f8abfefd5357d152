import { describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../core/ports/sandbox.ts';
import { spareKey } from './bubblewrap-spares.ts';

const base: SandboxSpec = {
  sessionId: 's1',
  workspacePath: '/work/a',
  env: { TOKEN: 'one', LANG: 'C' },
  limits: { memoryBytes: 1024, pids: 64 },
  root: { path: '/images/node', label: 'node:22', env: { PATH: '/usr/bin' } },
};

describe('spareKey: which spare a spec may be handed', () => {
  it('keeps none without spares, without root, or with network egress (its proxy is its own)', () => {
    expect(spareKey(base, 0, true)).toBeNull();
    expect(spareKey(base, 1, false)).toBeNull();
    expect(spareKey({ ...base, network: { allow: [] } }, 1, true)).toBeNull();
    expect(spareKey(base, 1, true)).not.toBeNull();
  });

  it('shares a spare between specs that differ only in their session, workspace and read-only paths', () => {
    const other: SandboxSpec = {
      ...base,
      sessionId: 's2',
      workspacePath: '/work/b',
      readOnlyPaths: ['.git'],
      // The same entries in another order are the same shape.
      env: { LANG: 'C', TOKEN: 'one' },
      limits: { pids: 64, memoryBytes: 1024 },
    };
    expect(spareKey(other, 1, true)).toBe(spareKey(base, 1, true));
  });

  // A spare's commands get the environment of the spec that started it: a session handed a spare made
  // for another environment would run with that one's values (its secrets), or another image, or limits.
  it.each<[string, Partial<SandboxSpec>]>([
    ['an environment value', { env: { TOKEN: 'two', LANG: 'C' } }],
    ['an environment variable more', { env: { TOKEN: 'one', LANG: 'C', EXTRA: '1' } }],
    ['no environment', { env: undefined }],
    ['a limit', { limits: { memoryBytes: 2048, pids: 64 } }],
    ['no image', { root: undefined }],
    ['another image', { root: { path: '/images/python', label: 'node:22', env: { PATH: '/usr/bin' } } }],
    ["the image's environment", { root: { path: '/images/node', label: 'node:22', env: { PATH: '/bin' } } }],
  ])('never shares one between specs that differ in %s', (_, change) => {
    expect(spareKey({ ...base, ...change }, 1, true)).not.toBe(spareKey(base, 1, true));
  });
});
