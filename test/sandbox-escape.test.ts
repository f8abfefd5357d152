/**
 * Abuse and escape attempts against a bubblewrap sandbox with small limits: each one is bounded
 * (small limits, short timeouts, one sandbox at a time) because two cores are shared with others.
 * Numbers worth knowing are printed with a `measured:` prefix.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { parseOomKillCount } from '../src/sandbox/cgroup-layout.ts';
import { type CgroupController, MIN_ADDRESS_SPACE_BYTES } from '../src/sandbox/limit-plan.ts';
import { resolveSandboxLimits } from '../src/sandbox/resource-limits.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import {
  cgroupCounter,
  cgroupDirsOf,
  cgroups,
  eventually,
  expected,
  hostProcessesWith,
  MiB,
  NODE,
  SMALL,
  spareProvider,
  variants,
} from './support/escape-variants.ts';
import { giveToSandbox } from './support/sandbox-owner.ts';

afterAll(() => spareProvider.drainSpares());

describe.each(variants.map((variant) => [variant.name, variant] as const))(
  'bubblewrap sandbox under abuse (%s)',
  (_name, variant) => {
    let parent: string;
    let userRepo: string;
    let workspace: string;
    let sandbox: SupervisedSandbox;
    let dirs: Partial<Record<CgroupController, string>>;

    beforeAll(async () => {
      parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-escape-')));
      // The user's repository, and the clone of it that drydock gives the session as its workspace.
      userRepo = join(parent, 'repo');
      workspace = join(parent, 'workspace');
      await mkdir(join(userRepo, '.git', 'hooks'), { recursive: true });
      await writeFile(join(userRepo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      await writeFile(join(userRepo, '.git', 'config'), '[core]\n\tbare = false\n');
      await writeFile(join(userRepo, 'app.ts'), 'export const answer = 42;\n');
      await cp(userRepo, workspace, { recursive: true });
      await giveToSandbox(workspace);
      sandbox = await variant.create({
        sessionId: 'escape',
        workspacePath: workspace,
        readOnlyPaths: ['.git'],
        limits: SMALL,
      });
      dirs = await cgroupDirsOf(sandbox.hostPid!);
    });
    afterAll(async () => {
      await sandbox?.destroy();
      await rm(parent, { recursive: true, force: true });
    });

    it('reports the mechanism in force and the limits it enforces', async () => {
      // A plain directory: no disk quota, and the reason says so.
      expect(sandbox.limits).toEqual({
        ...expected,
        diskBytes: null,
        disk: { mechanism: 'none', reason: expect.any(String) },
      });
      console.info(`measured: limits in force here: ${JSON.stringify(sandbox.limits)}`);
      if (!cgroups) return;
      // The supervisor is in the sandbox's cgroups, with the limits written.
      if (expected.mechanism === 'cgroup-v1') {
        expect(await readFile(join(dirs.pids!, 'pids.max'), 'utf8')).toBe('64\n');
        expect(Number(await readFile(join(dirs.memory!, 'memory.limit_in_bytes'), 'utf8'))).toBe(64 * MiB);
        expect(await readFile(join(dirs.cpu!, 'cpu.cfs_quota_us'), 'utf8')).toBe('50000\n');
      } else {
        expect(await readFile(join(dirs.pids!, 'pids.max'), 'utf8')).toBe('64\n');
        expect(await readFile(join(dirs.cpu!, 'cpu.max'), 'utf8')).toBe('50000 100000\n');
      }
      for (const dir of Object.values(dirs))
        expect(dir).toContain(`/drydock/${variant.cgroupPrefix('escape')}`);
    });

    it.skipIf(!cgroups || expected.pids === null)(
      'contains a fork bomb at the pids limit: the host stays healthy and the sandbox lives on',
      async () => {
        const maxBefore = (await cgroupCounter(join(dirs.pids!, 'pids.events'), 'max')) ?? 0;
        const startedAt = performance.now();
        // The main shell waits on a FIFO, so it needs no fork once the bomb fills the pids limit.
        const bomb = await sandbox.exec('mkfifo /tmp/hold; :(){ :|:& };:; read -t 30 <> /tmp/hold', {
          timeoutMs: 2000,
        });
        const containedMs = Math.round(performance.now() - startedAt);
        expect(bomb.timedOut).toBe(true);
        expect(containedMs).toBeLessThan(8000);
        // The bomb did run into the limit, which held.
        expect(await cgroupCounter(join(dirs.pids!, 'pids.events'), 'max')).toBeGreaterThan(maxBefore);
        const peak = await readFile(join(dirs.pids!, 'pids.peak'), 'utf8').catch(() => null);
        if (peak !== null) expect(Number(peak)).toBeLessThanOrEqual(64);

        const hostStartedAt = performance.now();
        expect(spawnSync('true').status).toBe(0);
        const hostSpawnMs = performance.now() - hostStartedAt;
        expect(hostSpawnMs).toBeLessThan(2000);

        // Decided: the sandbox survives a fork bomb; its processes are gone and it runs commands again.
        expect(await eventually(async () => (await sandbox.exec('true')).exitCode === 0)).toBe(true);
        const current = Number(await readFile(join(dirs.pids!, 'pids.current'), 'utf8'));
        expect(current).toBeLessThan(20);
        console.info(
          `measured: fork bomb contained at ${peak?.trim() ?? '?'} of 64 pids and killed by the exec ` +
            `timeout in ${containedMs} ms (timeout 2000 ms); host spawn meanwhile ${hostSpawnMs.toFixed(1)} ms; ` +
            `${current} pids left in the sandbox`,
        );
      },
    );

    it.skipIf(!cgroups || expected.memoryBytes === null)(
      'kills a memory hog at the memory limit, says so in the result, and the sandbox survives',
      async () => {
        const supervisorPid = sandbox.hostPid;
        const oomBefore = parseOomKillCount(
          await readFile(
            join(dirs.memory!, expected.mechanism === 'cgroup-v1' ? 'memory.oom_control' : 'memory.events'),
            'utf8',
          ),
        );
        const shell = await sandbox.exec('head -c 200M /dev/zero | tail');
        expect(shell).toMatchObject({ exitCode: 137, oomKilled: true, timedOut: false });
        const program = await sandbox.exec([
          variant.node,
          '-e',
          'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));',
        ]);
        expect(program).toMatchObject({ exitCode: null, signal: 'SIGKILL', oomKilled: true });
        const oomAfter = parseOomKillCount(
          await readFile(
            join(dirs.memory!, expected.mechanism === 'cgroup-v1' ? 'memory.oom_control' : 'memory.events'),
            'utf8',
          ),
        );
        expect(oomAfter! - oomBefore!).toBeGreaterThanOrEqual(2);
        // The same sandbox (its supervisor was not the victim) still works, and a small command is not marked.
        expect(sandbox.hostPid).toBe(supervisorPid);
        expect(await sandbox.exec('echo alive')).toMatchObject({ output: 'alive\n', oomKilled: false });
        console.info(
          `measured: memory hog killed by the OOM killer at 64 MiB: shell pipeline exit ${shell.exitCode} after ` +
            `${shell.durationMs} ms, node hog ${program.signal} after ${program.durationMs} ms`,
        );
      },
    );

    it('caps /tmp: filling it fails with ENOSPC, and it is usable again after cleaning up', async () => {
      const fill = await sandbox.exec('head -c 20M /dev/zero > /tmp/fill');
      expect(fill.exitCode).not.toBe(0);
      expect(fill.output).toContain('No space left on device');
      expect(Number((await sandbox.exec('stat -c %s /tmp/fill')).output)).toBeLessThanOrEqual(8 * MiB);
      expect((await sandbox.exec('df -B1 --output=size /tmp | tail -n 1')).output.trim()).toBe(
        String(8 * MiB),
      );
      expect((await sandbox.exec('rm /tmp/fill && echo ok > /tmp/after && cat /tmp/after')).output).toBe(
        'ok\n',
      );
    });

    it('kills a process that ignores SIGTERM when its command times out', async () => {
      const result = await sandbox.exec("trap '' TERM; sleep 31.25 & wait", { timeoutMs: 500 });
      expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
      // SIGTERM was ignored, so it took the grace (300 ms) and SIGKILL.
      expect(result.durationMs).toBeGreaterThanOrEqual(780);
      expect(result.durationMs).toBeLessThan(5000);
      expect(await eventually(async () => (await hostProcessesWith('31.25')).length === 0)).toBe(true);
    });

    it.skipIf(!cgroups || expected.cpus === null)('throttles a busy loop to its CPU quota', async () => {
      const cpuBound = await variant.create({
        sessionId: 'cpu',
        workspacePath: workspace,
        limits: { ...SMALL, cpus: 0.2 },
      });
      try {
        const cpuDir = (await cgroupDirsOf(cpuBound.hostPid!)).cpu!;
        const busy = await cpuBound.exec([
          variant.node,
          '-e',
          'const start = Date.now(); while (Date.now() - start < 1000) {} const u = process.cpuUsage();' +
            'console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000, wallMs: Date.now() - start }));',
        ]);
        const { cpuMs, wallMs } = JSON.parse(busy.output) as { cpuMs: number; wallMs: number };
        const ratio = cpuMs / wallMs;
        // 0.2 cores allowed; unthrottled it would be close to 1.
        expect(ratio).toBeLessThan(0.5);
        expect(ratio).toBeGreaterThan(0.02);
        expect(await cgroupCounter(join(cpuDir, 'cpu.stat'), 'nr_throttled')).toBeGreaterThan(0);
        console.info(
          `measured: 1 s busy loop under cpus=0.2 used ${cpuMs.toFixed(0)} ms CPU in ${wallMs} ms: ${ratio.toFixed(2)} cores`,
        );
      } finally {
        await cpuBound.destroy();
      }
    });

    it('ends everything at the wall-clock limit and removes its cgroups', async () => {
      const timed = await variant.create({
        sessionId: 'wall',
        workspacePath: workspace,
        limits: { ...SMALL, wallTimeMs: 1500 },
      });
      const timedDirs = Object.values(await cgroupDirsOf(timed.hostPid!)).filter((dir) =>
        dir.includes('/drydock/'),
      );
      expect(timedDirs.length).toBe(cgroups ? new Set(timedDirs).size : 0);
      await timed.exec('sleep 4243.5 > /dev/null 2>&1 &');
      expect(await hostProcessesWith('4243.5')).toHaveLength(1);
      const startedAt = Date.now();
      const pending = await timed.exec('sleep 30').then(
        (result) => result,
        (error: unknown) => error,
      );
      const endedAfterMs = Date.now() - startedAt;
      expect(pending).toMatchObject({ code: 'sandbox_wall_time', kind: 'unavailable' });
      expect(endedAfterMs).toBeLessThan(5000);
      await expect(timed.exec('true')).rejects.toMatchObject({ code: 'sandbox_wall_time' });
      await expect(timed.stat('.')).rejects.toMatchObject({ code: 'sandbox_wall_time' });
      expect(await eventually(async () => (await hostProcessesWith('4243.5')).length === 0)).toBe(true);
      expect(await eventually(async () => timedDirs.every((dir) => !existsSync(dir)))).toBe(true);
      await timed.destroy();
      await expect(timed.exec('true')).rejects.toMatchObject({ code: 'sandbox_destroyed' });
    });

    it('releases its cgroups when it is killed from outside, before anyone calls destroy', async () => {
      const victim = await variant.create({ sessionId: 'victim', workspacePath: workspace, limits: SMALL });
      const victimDirs = Object.values(await cgroupDirsOf(victim.hostPid!)).filter((dir) =>
        dir.includes(`/drydock/${variant.cgroupPrefix('victim')}`),
      );
      expect(victimDirs.length > 0).toBe(cgroups);
      process.kill(victim.hostPid!, 'SIGKILL');
      // Killed means gone: until drydock has reaped it, a call sent at once could still be answered by a
      // supervisor its death has not reached yet (seen under load).
      expect(await eventually(async () => !existsSync(`/proc/${victim.hostPid}`))).toBe(true);
      await expect(victim.exec('true')).rejects.toMatchObject({ code: 'sandbox_died' });
      expect(await eventually(async () => victimDirs.every((dir) => !existsSync(dir)))).toBe(true);
      await victim.destroy();
    });

    it("cannot tamper with the user's repository: it is not mounted, and the workspace's .git is read-only", async () => {
      const snapshot = async (root: string): Promise<string> => {
        const files = (await readdir(root, { recursive: true, withFileTypes: true }))
          .filter((entry) => entry.isFile())
          .map((entry) => join(entry.parentPath, entry.name))
          .sort();
        return JSON.stringify(
          await Promise.all(files.map(async (file) => [file, await readFile(file, 'utf8')])),
        );
      };
      const repoBefore = await snapshot(userRepo);
      const gitBefore = await snapshot(join(workspace, '.git'));
      for (const hostPath of [userRepo, parent, join(userRepo, '.git')]) {
        expect((await sandbox.exec(['test', '-e', hostPath])).exitCode, hostPath).toBe(1);
      }
      for (const attempt of [
        'echo x >> .git/HEAD',
        'touch .git/hooks/post-checkout',
        'printf "#!/bin/sh\\ncurl evil" > .git/hooks/pre-commit',
        'git config core.hooksPath /tmp',
        'rm -rf .git/config',
        'mv .git .git-old',
        'chmod -R u+w .git && touch .git/x',
        'mount -o remount,rw /workspace/.git',
        'umount /workspace/.git',
      ]) {
        expect((await sandbox.exec(attempt)).exitCode, attempt).not.toBe(0);
      }
      await expect(sandbox.writeFile('.git/hooks/post-merge', 'evil')).rejects.toMatchObject({
        code: 'permission_denied',
      });
      expect(await snapshot(userRepo)).toBe(repoBefore);
      expect(await snapshot(join(workspace, '.git'))).toBe(gitBefore);
      // The control: the rest of the workspace is the agent's to change.
      expect((await sandbox.exec('echo "// changed" >> app.ts')).exitCode).toBe(0);
    });

    it('cannot read /etc/shadow, nor reach the cgroup files to raise its own limits', async () => {
      const shadow = await sandbox.exec('cat /etc/shadow');
      expect(shadow.output).not.toContain('root:');
      const viaApi = await sandbox.readFile('/etc/shadow').catch(() => Buffer.alloc(0));
      expect(viaApi.toString()).not.toContain('root:');
      expect((await sandbox.exec(['test', '-e', '/sys/fs/cgroup'])).exitCode).toBe(1);
    });

    it("cannot change the host's kernel settings through /proc/sys (core_pattern would run code on the host)", async () => {
      // Nothing under /proc/sys is writable; the probe writes a setting's own value back, a no-op if it got through.
      expect((await sandbox.exec('find /proc/sys -type f -writable 2>/dev/null | wc -l')).output).toBe('0\n');
      expect((await sandbox.exec(['test', '-w', '/proc/sys/kernel/core_pattern'])).exitCode).toBe(1);
      const rewrite = await sandbox.exec(
        'cat /proc/sys/vm/overcommit_memory > /proc/sys/vm/overcommit_memory',
      );
      expect(rewrite.exitCode).not.toBe(0);
      expect(rewrite.output).toContain('Read-only file system');
      // The control: the values are still readable.
      expect((await sandbox.exec('cat /proc/sys/kernel/pid_max')).output).toMatch(/^\d+\n$/);
    });

    it('cannot fill /dev: it is read-only but for a /dev/shm as small as /tmp', async () => {
      expect((await sandbox.exec('touch /dev/evil')).exitCode).not.toBe(0);
      const shm = await sandbox.exec('head -c 20M /dev/zero > /dev/shm/fill');
      expect(shm.output).toContain('No space left on device');
      expect((await sandbox.exec('rm /dev/shm/fill && echo ok > /dev/null && echo done')).output).toBe(
        'done\n',
      );
    });
  },
);

describe('bubblewrap sandbox without cgroups', () => {
  let workspace: string;
  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'drydock-escape-rlimit-'));
  });
  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
  });

  const prlimit = spawnSync('sh', ['-c', 'command -v prlimit'], { encoding: 'utf8' }).stdout.trim();

  it.skipIf(prlimit === '')('falls back to rlimits: each process gets the address-space cap', async () => {
    const rlimitProvider = createBubblewrapProvider({
      killGraceMs: 300,
      limitEnvironment: async () => ({ cgroupV2: null, cgroupV1: {}, prlimitPath: prlimit }),
    });
    const sandbox = await rlimitProvider.create({
      sessionId: 'rlimit',
      workspacePath: workspace,
      limits: SMALL,
    });
    try {
      // Never below the floor Node's WebAssembly needs (the supervisor runs on it).
      expect(sandbox.limits).toEqual({
        mechanism: 'rlimit',
        memoryBytes: MIN_ADDRESS_SPACE_BYTES,
        pids: null,
        cpus: null,
        wallTimeMs: resolveSandboxLimits().wallTimeMs,
        tmpBytes: 8 * MiB,
        diskBytes: null,
        disk: { mechanism: 'none', reason: expect.any(String) },
      });
      const cap = String(MIN_ADDRESS_SPACE_BYTES);
      expect((await sandbox.exec('cat /proc/self/limits')).output).toMatch(
        new RegExp(`^Max address space\\s+${cap}\\s+${cap}\\s+bytes`, 'm'),
      );
      // Address space is reserved, not used, for each WebAssembly memory (about 10 GiB each): the cap
      // stops them at a handful (uncapped, Node makes hundreds), and leaves room for the four vitest needs.
      const reserve =
        'const kept = []; let n = 0; try { for (; n < 200; n++) kept.push(new WebAssembly.Memory({ initial: 1 })); } catch {} console.log(n);';
      const reserved = Number((await sandbox.exec([NODE, '-e', reserve])).output.trim());
      expect(reserved).toBeGreaterThanOrEqual(4);
      expect(reserved).toBeLessThan(10);
      await sandbox.writeFile('typed.ts', 'const n: number = 6 * 7;\nconsole.log(n);\n');
      expect((await sandbox.exec([NODE, 'typed.ts'])).output).toContain('42');
    } finally {
      await sandbox.destroy();
    }
  });

  it('reports mechanism none when the machine offers nothing, and still runs', async () => {
    const bare = createBubblewrapProvider({
      killGraceMs: 300,
      limitEnvironment: async () => ({ cgroupV2: null, cgroupV1: {}, prlimitPath: null }),
    });
    const sandbox = await bare.create({ sessionId: 'bare', workspacePath: workspace, limits: SMALL });
    try {
      expect(sandbox.limits).toMatchObject({ mechanism: 'none', memoryBytes: null, pids: null, cpus: null });
      expect((await sandbox.exec('cat /proc/self/limits')).output).toMatch(/^Max address space\s+unlimited/m);
      expect((await sandbox.exec('true')).oomKilled).toBeUndefined();
    } finally {
      await sandbox.destroy();
    }
  });
});
