import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBubblewrapProvider } from './bubblewrap-provider.ts';
import { detectLimitEnvironment } from './limit-detection.ts';
import { createNoSandboxProvider, NO_SANDBOX_WARNING } from './no-sandbox-provider.ts';

describe('bubblewrap check() and create() failures name the cause, the fix and --sandbox none', () => {
  let dir: string;
  /** A stand-in for bwrap: answers --version, fails like a kernel without user namespaces otherwise. */
  let fakeBwrap: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-check-'));
    // Where bubblewrap runs as the sandbox user (drydock is root), that user must reach it, as /usr/bin/bwrap.
    await chmod(dir, 0o755);
    fakeBwrap = join(dir, 'bwrap');
    await writeFile(
      fakeBwrap,
      '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.8.0"; exit 0; }\n' +
        'echo "bwrap: setting up uid map: Permission denied" >&2; exit 1\n',
    );
    await chmod(fakeBwrap, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('when bubblewrap is not installed', async () => {
    const provider = createBubblewrapProvider({ bwrapPath: join(dir, 'missing-bwrap') });
    const error = await provider.check().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'bubblewrap_missing', kind: 'unavailable', transient: false });
    expect((error as Error).message).toContain('apt-get install -y bubblewrap');
    expect((error as Error).message).toContain('--sandbox none');
  });

  it('when bubblewrap cannot create namespaces, leaving no cgroup behind', async () => {
    const provider = createBubblewrapProvider({ bwrapPath: fakeBwrap });
    const error = await provider.check().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'bubblewrap_unusable', transient: false });
    expect((error as Error).message).toContain('cannot create user namespaces');
    expect((error as Error).message).toContain('setting up uid map: Permission denied');
    expect((error as Error).message).toContain('--sandbox none');
    const pids = (await detectLimitEnvironment()).cgroupV1.pids;
    if (pids?.writable) {
      const left = await readdir(join(pids.dir, 'drydock')).catch(() => []);
      expect(left.filter((name) => name.startsWith('probe-'))).toEqual([]);
    }
  });

  it('when `bwrap --version` fails', async () => {
    const broken = join(dir, 'broken-bwrap');
    await writeFile(broken, '#!/bin/sh\nexit 2\n');
    await chmod(broken, 0o755);
    const error = await createBubblewrapProvider({ bwrapPath: broken })
      .check()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'bubblewrap_unusable' });
    expect((error as Error).message).toMatch(/--version.*exit code 2.*--sandbox none/);
  });

  it('when the cgroup cannot be set up', async () => {
    const notADir = join(dir, 'not-a-dir');
    await writeFile(notADir, '');
    const provider = createBubblewrapProvider({
      limitEnvironment: async () => ({
        cgroupV2: null,
        cgroupV1: { pids: { dir: notADir, writable: true } },
        prlimitPath: null,
      }),
    });
    const error = await provider
      .create({ sessionId: 's', workspacePath: dir })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'sandbox_limits_failed', kind: 'unavailable' });
    expect((error as Error).message).toContain(notADir);
    expect((error as Error).message).toContain('--sandbox none');
  });
});

describe('createNoSandboxProvider', () => {
  it('says plainly that nothing is isolated, for the CLI to print on every run', async () => {
    const provider = createNoSandboxProvider();
    expect(provider.capabilities).toEqual({
      name: 'none',
      isolated: false,
      network: true,
      egressAllowlist: false,
      warning: NO_SANDBOX_WARNING,
    });
    expect(NO_SANDBOX_WARNING).toMatch(/^--sandbox none: commands run on this machine without isolation: /);
    await expect(provider.check()).resolves.toBeUndefined();
  });
});
