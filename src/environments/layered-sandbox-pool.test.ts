import { describe, expect, it } from 'vitest';
import type { EgressAttempt } from '../core/ports/sandbox.ts';
import type { LayeredSandbox, LayeredSandboxes } from './layered-sandbox.ts';
import {
  createLayeredSandboxPool,
  type LayeredSpec,
  POOL_SANDBOX_ID,
  poolKey,
} from './layered-sandbox-pool.ts';

const stack = { layers: ['base', 'setup'] };
const spec: LayeredSpec = {
  sessionId: 's1',
  readOnlyPaths: ['.git'],
  limits: { memoryBytes: 1024, diskBytes: 2048 },
  env: { TOKEN: 'one', OTHER: 'x' },
  network: { allow: [{ host: 'example.org' }] },
};

describe('poolKey', () => {
  it('is the same for what differs only per session (id, callback, key order)', () => {
    const other: LayeredSpec = {
      sessionId: 's2',
      network: { allow: [{ host: 'example.org' }], onBlocked: () => {} },
      env: { OTHER: 'x', TOKEN: 'one' },
      limits: { diskBytes: 2048, memoryBytes: 1024 },
      readOnlyPaths: ['.git'],
    };
    expect(poolKey({ layers: ['base', 'setup'] }, other)).toBe(poolKey(stack, spec));
  });

  it.each<[string, LayeredSpec]>([
    ['another secret value', { ...spec, env: { TOKEN: 'two', OTHER: 'x' } }],
    ['one more secret', { ...spec, env: { ...spec.env, EXTRA: 'y' } }],
    [
      'no secrets',
      { sessionId: 's1', readOnlyPaths: ['.git'], limits: spec.limits!, network: spec.network! },
    ],
    ['other limits', { ...spec, limits: { memoryBytes: 1024, diskBytes: 4096 } }],
    ['another allow list', { ...spec, network: { allow: [{ host: 'example.com' }] } }],
    ['no network', { sessionId: 's1', readOnlyPaths: ['.git'], limits: spec.limits!, env: spec.env! }],
  ])('differs with %s', (_name, changed) => {
    expect(poolKey(stack, changed)).not.toBe(poolKey(stack, spec));
  });

  it('differs with another stack, and does not hold the secrets', () => {
    expect(poolKey({ layers: ['base', 'other'] }, spec)).not.toBe(poolKey(stack, spec));
    expect(poolKey({ layers: ['setup', 'base'] }, spec)).not.toBe(poolKey(stack, spec));
    expect(poolKey(stack, spec)).toMatch(/^[0-9a-f]{64}$/);
  });
});

/** Layered sandboxes that record what they were started with; `blocked(n, host)` plays a refusal. */
function fakeSandboxes() {
  const started: { spec: LayeredSpec; destroyed: boolean; dead: boolean }[] = [];
  const sandboxes: LayeredSandboxes = {
    workspaceMode: 'overlay',
    async start(_snapshot, startSpec) {
      const entry = { spec: startSpec, destroyed: false, dead: false };
      started.push(entry);
      const index = started.length - 1;
      return {
        id: `sandbox-${index}`,
        stat: async () => {
          if (entry.dead) throw new Error('sandbox_died');
          return { type: 'directory' };
        },
        destroy: async () => {
          entry.destroyed = true;
        },
      } as unknown as LayeredSandbox;
    },
  };
  const indexOf = (sandbox: LayeredSandbox) =>
    Number((sandbox as { id: string }).id.slice('sandbox-'.length));
  const entryOf = (sandbox: LayeredSandbox) => started[indexOf(sandbox)]!;
  const blocked = (sandbox: LayeredSandbox, host: string) =>
    entryOf(sandbox).spec.network?.onBlocked?.({ host, port: 443 } as EgressAttempt);
  return { sandboxes, started, entryOf, blocked };
}

describe('createLayeredSandboxPool', () => {
  it('hands over a pooled sandbox, routes its refusals to the session that took it, and drains', async () => {
    const fake = fakeSandboxes();
    const pool = createLayeredSandboxPool({ sandboxes: fake.sandboxes, size: 1 });
    const seen: string[] = [];
    const session = (name: string): LayeredSpec => ({
      ...spec,
      sessionId: name,
      network: { allow: spec.network!.allow, onBlocked: ({ host }) => seen.push(`${name}:${host}`) },
    });

    const first = await pool.acquire(stack, session('a'));
    expect(first.warm).toBe(false);
    await pool.settled();
    expect(pool.ready(stack, session('b'))).toBe(1);
    const second = await pool.acquire(stack, session('b'));
    expect(second.warm).toBe(true);
    expect(second.sandbox).not.toBe(first.sandbox);
    // Started for nobody in particular, with the key's secrets.
    expect(fake.entryOf(second.sandbox).spec).toMatchObject({ sessionId: POOL_SANDBOX_ID, env: spec.env });

    fake.blocked(first.sandbox, 'one.example');
    fake.blocked(second.sandbox, 'two.example');
    expect(seen).toEqual(['a:one.example', 'b:two.example']);

    // Other secrets: not handed the pooled one.
    await pool.settled();
    const stranger = await pool.acquire(stack, { ...session('c'), env: { TOKEN: 'other' } });
    expect(stranger.warm).toBe(false);

    await pool.settled();
    await pool.drain();
    const handed = new Set([first, second, stranger].map((taken) => fake.entryOf(taken.sandbox)));
    const idle = fake.started.filter((entry) => !handed.has(entry));
    // One refilled for each of the two keys, destroyed; the handed ones are their sessions' to destroy.
    expect(idle.map((entry) => entry.destroyed)).toEqual([true, true]);
    expect(fake.started.filter((entry) => entry.destroyed)).toHaveLength(2);
    // After draining, a session still gets a sandbox of its own, started with its own spec.
    const late = await pool.acquire(stack, session('d'));
    expect(late.warm).toBe(false);
    expect(fake.started.at(-1)!.spec.sessionId).toBe('d');
  });

  it('replaces a pooled sandbox idle past maxIdleMs (its wall time runs from its start)', async () => {
    const fake = fakeSandboxes();
    let now = 0;
    const pool = createLayeredSandboxPool({
      sandboxes: fake.sandboxes,
      size: 1,
      maxIdleMs: 1000,
      nowMs: () => now,
    });
    const first = await pool.acquire(stack, spec);
    await pool.settled();
    const pooled = fake.started.find((entry) => entry !== fake.entryOf(first.sandbox))!;
    now = 5000;
    const stale = await pool.acquire(stack, spec);
    expect(stale.warm).toBe(false);
    expect(pooled.destroyed).toBe(true);
    expect(fake.entryOf(stale.sandbox).destroyed).toBe(false);
    await pool.settled();
    await pool.drain();
  });

  it('does not hand over a pooled sandbox that died while it waited', async () => {
    const fake = fakeSandboxes();
    const pool = createLayeredSandboxPool({ sandboxes: fake.sandboxes, size: 1 });
    const first = await pool.acquire(stack, spec);
    await pool.settled();
    const pooled = fake.started.find((entry) => entry !== fake.entryOf(first.sandbox))!;
    pooled.dead = true;
    const next = await pool.acquire(stack, spec);
    expect(next.warm).toBe(false);
    expect(pooled.destroyed).toBe(true);
    expect(fake.entryOf(next.sandbox).dead).toBe(false);
    await pool.settled();
    await pool.drain();
  });
});
