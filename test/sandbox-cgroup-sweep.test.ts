/**
 * The cgroups a crashed drydock leaves behind (`<drydock's cgroup>/drydock/<sandbox>`) are removed by
 * the startup sweep once empty; a cgroup with a process in it, or one made a moment ago, stays.
 * Skipped where drydock cannot create cgroups here.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepSandboxCgroups } from '../src/sandbox/cgroup-sweep.ts';
import { detectLimitEnvironment } from '../src/sandbox/limit-detection.ts';

const environment = await detectLimitEnvironment();
const pidsV1 = environment.cgroupV1.pids;
const parent = pidsV1?.writable ? join(pidsV1.dir, 'drydock') : null;

describe.skipIf(parent === null)('sweeping sandbox cgroups (cgroup v1 pids)', () => {
  const name = `sweep-test-${process.pid}`;
  const busyName = `${name}-busy`;
  // A spare's cgroups are named after the spare, not its session (bubblewrap-provider.ts): swept alike.
  const spareName = `spare-${name}`;
  // Other sandboxes on this machine (other tests') must not be touched.
  const ours = (each: string): boolean => each.startsWith(name) || each === spareName;
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  afterAll(async () => {
    sleeper.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const dir of [name, busyName, spareName]) await rmdir(join(parent!, dir)).catch(() => {});
  });

  it('removes an empty sandbox cgroup, keeps a busy one and a new one', async () => {
    const stale = join(parent!, name);
    const busy = join(parent!, busyName);
    const spare = join(parent!, spareName);
    await mkdir(stale, { recursive: true });
    await mkdir(spare, { recursive: true });
    await mkdir(busy, { recursive: true });
    await writeFile(join(busy, 'cgroup.procs'), String(sleeper.pid));
    // Just made: a sandbox starting looks like this before its launcher joins.
    expect(await sweepSandboxCgroups({ environment, only: ours })).not.toContain(stale);
    expect(existsSync(stale)).toBe(true);
    const swept = await sweepSandboxCgroups({ environment, minAgeMs: 0, dryRun: true, only: ours });
    expect(swept).toContain(stale);
    expect(swept).not.toContain(busy);
    expect(existsSync(stale)).toBe(true);
    expect(await sweepSandboxCgroups({ environment, minAgeMs: 0, only: ours })).toEqual(
      expect.arrayContaining([stale, spare]),
    );
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(spare)).toBe(false);
    expect(existsSync(busy)).toBe(true);
  });
});
