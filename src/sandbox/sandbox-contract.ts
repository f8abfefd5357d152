/**
 * The Sandbox contract: one suite every SandboxProvider, every wrapper of a sandbox (decorate) and
 * every fake must pass. Providers are made with a short kill grace (the suite waits for it when a
 * command ignores SIGTERM). An implementation that cannot pass a test declares the skip and its
 * reason (as hono's router suite does), so what it does not do is written down where it runs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isBadInput } from '../core/errors.ts';
import type { Sandbox, SandboxProvider, SandboxRoot } from '../core/ports/sandbox.ts';
import { DEFAULT_SANDBOX_LIMITS } from './resource-limits.ts';

const LEAK_VARIABLE = 'DRYDOCK_CONTRACT_HOST_ONLY';

/** Prints `dead` once the pid in the file is gone (or a zombie), `alive` if it stays for 2 s. */
const waitForDeath = (pidFile: string): string =>
  `alive() { [ -e /proc/$1 ] && ! grep -q '^State:.*Z' /proc/$1/status; }; pid=$(cat ${pidFile}); ` +
  'for i in $(seq 40); do alive "$pid" || { echo dead; exit 0; }; sleep 0.05; done; echo alive';

/** Tests an implementation cannot pass: names are `group > test` titles, as in the suite below. */
export interface SandboxContractSkip {
  reason: string;
  tests: readonly string[];
}

export interface SandboxContractOptions {
  skip?: readonly SandboxContractSkip[];
  /** Every sandbox of the suite runs on this image root (`SandboxSpec.root`): the same contract holds there. */
  root?: () => Promise<SandboxRoot>;
  /**
   * A small image for the `image root` group (an `/etc/os-release` of its own, `sh`, `cat`, `test`).
   * Without it those tests are skipped, saying so; with it, a provider declares the one it does not pass.
   */
  image?: () => Promise<SandboxRoot>;
}

/** What a provider without image support declares for the `image root` group. */
export const IMAGE_ROOT_TESTS = {
  runs: "image root > runs commands on the image's root file system, with nothing of the host's system",
  refuses: 'image root > refuses an image root it cannot run, with image_needs_bubblewrap',
} as const;

export function describeSandboxContract(
  name: string,
  makeProvider: () => SandboxProvider,
  options: SandboxContractOptions = {},
): void {
  const reasons = new Map<string, string>();
  if (options.image === undefined) {
    for (const test of Object.values(IMAGE_ROOT_TESTS)) {
      reasons.set(test, 'this run of the contract is given no image (options.image)');
    }
  }
  for (const { reason, tests } of options.skip ?? []) for (const test of tests) reasons.set(test, reason);
  const titles = new Set<string>();
  const groups: string[] = [];
  // describe() runs its body at once, so `groups` is the enclosing group while a test is declared.
  const group = (title: string, body: () => void): void => {
    describe(title, () => {
      groups.push(title);
      body();
      groups.pop();
    });
  };
  const test = (title: string, body: () => Promise<void> | void): void => {
    const full = [...groups, title].join(' > ');
    titles.add(full);
    const reason = reasons.get(full);
    if (reason === undefined) it(title, body);
    else it.skip(`${title} (skipped: ${reason})`, body);
  };

  describe(`Sandbox contract: ${name}`, () => {
    let provider: SandboxProvider;
    let workspace: string;
    let sandbox: Sandbox;

    beforeAll(() => {
      process.env[LEAK_VARIABLE] = 'host-secret';
      provider = makeProvider();
    });
    afterAll(() => {
      delete process.env[LEAK_VARIABLE];
    });
    beforeEach(async () => {
      workspace = await mkdtemp(join(tmpdir(), 'drydock-contract-'));
      sandbox = await provider.create({
        sessionId: 'contract',
        workspacePath: workspace,
        env: { DRYDOCK_BASE: 'base' },
        ...(options.root === undefined ? {} : { root: await options.root() }),
      });
    });
    afterEach(async () => {
      await sandbox.destroy();
      await rm(workspace, { recursive: true, force: true });
    });
    /** Where the host sees a sandbox's workspace: its own tree for a layered one, else the spec's. */
    const hostWorkspace = (of: Sandbox): string =>
      'hostWorkspacePath' in of && typeof of.hostWorkspacePath === 'string'
        ? of.hostWorkspacePath
        : workspace;

    group('exec', () => {
      test('reports exit codes of shell commands and argv', async () => {
        expect((await sandbox.exec('true')).exitCode).toBe(0);
        expect((await sandbox.exec('exit 3')).exitCode).toBe(3);
        expect((await sandbox.exec(['sh', '-c', 'exit 4'])).exitCode).toBe(4);
        const missing = await sandbox.exec('definitely-not-a-command-xyz');
        expect(missing.exitCode).toBe(127);
      });

      test('feeds stdin as it is yielded and answers on stdout before it ends (a conversation)', async () => {
        const chunks: string[] = [];
        let heard: () => void = () => {};
        const onOutput = (chunk: string, stream: 'stdout' | 'stderr') => {
          if (stream === 'stdout') chunks.push(chunk);
          if (chunks.join('').includes('ping\n')) heard();
        };
        async function* talk(): AsyncGenerator<string> {
          yield 'ping\n';
          // The second line goes only once the first came back: stdin and stdout are live together.
          await new Promise<void>((resolve) => {
            heard = resolve;
            if (chunks.join('').includes('ping\n')) resolve();
          });
          yield 'pong\n';
        }
        const result = await sandbox.exec(['cat'], { stdin: talk(), onOutput, timeoutMs: 10_000 });
        expect(result).toMatchObject({ exitCode: 0, timedOut: false });
        expect(result.output).toBe('ping\npong\n');
      });

      test('gives a command without stdin an empty one, and one whose stdin ended sees its end', async () => {
        expect((await sandbox.exec('wc -c', { timeoutMs: 10_000 })).output.trim()).toBe('0');
        async function* nothing(): AsyncGenerator<string> {}
        const ended = await sandbox.exec(['cat'], { stdin: nothing(), timeoutMs: 10_000 });
        expect(ended).toMatchObject({ exitCode: 0, timedOut: false, output: '' });
      });

      test('passes argv to the program without a shell', async () => {
        const result = await sandbox.exec(['printf', '%s|', 'a b', '$HOME', '*']);
        expect(result.output).toBe('a b|$HOME|*|');
      });

      test('captures stdout and stderr in arrival order', async () => {
        const result = await sandbox.exec('echo out; sleep 0.05; echo err >&2; sleep 0.05; echo out2');
        expect(result).toMatchObject({
          exitCode: 0,
          signal: null,
          truncated: false,
          timedOut: false,
          aborted: false,
        });
        expect(result.output).toBe('out\nerr\nout2\n');
        expect(result.durationMs).toBeGreaterThanOrEqual(50);
      });

      test('runs in the workspace root, or in cwd relative to it', async () => {
        expect((await sandbox.exec('pwd')).output).toBe(`${sandbox.workdir}\n`);
        await sandbox.exec('mkdir -p sub/dir');
        const result = await sandbox.exec('pwd', { cwd: 'sub/dir' });
        expect(result.output).toBe(`${posix.join(sandbox.workdir, 'sub/dir')}\n`);
      });

      test('rejects a cwd that does not exist', async () => {
        await expect(sandbox.exec('pwd', { cwd: 'missing' })).rejects.toMatchObject({ kind: 'not_found' });
      });

      test('uses the explicit environment only: spec env, exec env over it, nothing of the host', async () => {
        const result = await sandbox.exec('env', { env: { FOO: 'bar' } });
        expect(result.output).toContain('DRYDOCK_BASE=base\n');
        expect(result.output).toContain('FOO=bar\n');
        expect(result.output).not.toContain(LEAK_VARIABLE);
        expect(result.output).not.toContain('host-secret');
        const override = await sandbox.exec('echo "$DRYDOCK_BASE"', { env: { DRYDOCK_BASE: 'exec' } });
        expect(override.output).toBe('exec\n');
        expect((await sandbox.exec('echo "[$FOO]"')).output).toBe('[]\n');
      });

      test('kills the whole process group on timeout, even a child that ignores SIGTERM', async () => {
        const result = await sandbox.exec("trap '' TERM; sleep 100 & echo $! > child.pid; sleep 100", {
          timeoutMs: 300,
        });
        expect(result).toMatchObject({ timedOut: true, aborted: false, exitCode: null });
        expect(result.signal).not.toBeNull();
        expect(result.durationMs).toBeGreaterThanOrEqual(300);
        expect(result.durationMs).toBeLessThan(5000);
        expect((await sandbox.exec(waitForDeath('child.pid'))).output).toBe('dead\n');
      });

      test('aborts through the AbortSignal', async () => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 150);
        const result = await sandbox.exec('sleep 100', { signal: controller.signal });
        expect(result).toMatchObject({ aborted: true, timedOut: false, exitCode: null });
        expect(result.durationMs).toBeLessThan(5000);
      });

      test('aborts a command whose signal fires as soon as exec was called (while it starts)', async () => {
        const controller = new AbortController();
        const running = sandbox.exec('sleep 100', { signal: controller.signal });
        controller.abort();
        const result = await running;
        expect(result).toMatchObject({ aborted: true, timedOut: false, exitCode: null });
        expect(result.durationMs).toBeLessThan(5000);
      });

      test('does not start a command whose signal is already aborted', async () => {
        const result = await sandbox.exec('touch ran', { signal: AbortSignal.abort() });
        expect(result.aborted).toBe(true);
        expect(await sandbox.stat('ran')).toBeNull();
      });

      test('keeps the head and the tail of long output, with a note', async () => {
        const result = await sandbox.exec("head -c 5000 /dev/zero | tr '\\0' a; printf END", {
          maxOutputBytes: 1000,
        });
        expect(result.truncated).toBe(true);
        expect(result.output).toBe(`${'a'.repeat(500)}\n[… 4003 bytes truncated …]\n${'a'.repeat(497)}END`);
        const short = await sandbox.exec('printf short', { maxOutputBytes: 1000 });
        expect(short).toMatchObject({ output: 'short', truncated: false });
      });

      test('streams output through onOutput as it arrives', async () => {
        const chunks: { chunk: string; stream: string; atMs: number }[] = [];
        const startedAt = Date.now();
        const result = await sandbox.exec('echo first; sleep 0.4; echo second >&2', {
          onOutput: (chunk, stream) => chunks.push({ chunk, stream, atMs: Date.now() - startedAt }),
        });
        const finishedAtMs = Date.now() - startedAt;
        expect(
          chunks
            .filter((c) => c.stream === 'stdout')
            .map((c) => c.chunk)
            .join(''),
        ).toBe('first\n');
        expect(
          chunks
            .filter((c) => c.stream === 'stderr')
            .map((c) => c.chunk)
            .join(''),
        ).toBe('second\n');
        expect(chunks[0]!.atMs).toBeLessThan(finishedAtMs - 200);
        expect(result.output).toBe('first\nsecond\n');
      });

      test('keeps background processes alive between calls', async () => {
        await sandbox.exec('sleep 30 > /dev/null 2>&1 & echo $! > bg.pid');
        const check = await sandbox.exec('kill -0 "$(cat bg.pid)" && echo alive');
        expect(check.output).toBe('alive\n');
      });

      test('returns when the command exits, even if a background process keeps its output open', async () => {
        const result = await sandbox.exec('sleep 30 & echo started');
        expect(result).toMatchObject({ exitCode: 0, output: 'started\n', timedOut: false });
        expect(result.durationMs).toBeLessThan(3000);
      });

      test('runs commands concurrently', async () => {
        const startedAt = Date.now();
        const results = await Promise.all([
          sandbox.exec('sleep 0.5; echo a'),
          sandbox.exec('sleep 0.5; echo b'),
        ]);
        expect(results.map((r) => r.output)).toEqual(['a\n', 'b\n']);
        // One after the other would take at least a second.
        expect(Date.now() - startedAt).toBeLessThan(950);
      });
    });

    group('files', () => {
      test('writes and reads files byte for byte, creating parent directories', async () => {
        const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
        await sandbox.writeFile('deep/er/all-bytes.bin', bytes);
        expect(Buffer.compare(await sandbox.readFile('deep/er/all-bytes.bin'), Buffer.from(bytes))).toBe(0);
        await sandbox.writeFile('text.txt', 'héllo ✓\n');
        expect((await sandbox.readFile('text.txt')).toString('utf8')).toBe('héllo ✓\n');
        expect((await sandbox.readFile(posix.join(sandbox.workdir, 'text.txt'))).toString('utf8')).toBe(
          'héllo ✓\n',
        );
      });

      test('shares files with commands', async () => {
        await sandbox.writeFile('from-api.txt', 'api\n');
        expect((await sandbox.exec('cat from-api.txt')).output).toBe('api\n');
        await sandbox.exec('printf shell > from-shell.txt');
        expect((await sandbox.readFile('from-shell.txt')).toString()).toBe('shell');
      });

      test('stats files, directories and symlinks (without following them), and null for nothing', async () => {
        await sandbox.writeFile('dir/file.txt', '12345');
        await sandbox.exec('ln -s file.txt dir/link');
        expect(await sandbox.stat('dir/file.txt')).toMatchObject({ type: 'file', size: 5 });
        expect(await sandbox.stat('dir')).toMatchObject({ type: 'directory' });
        expect(await sandbox.stat('dir/link')).toMatchObject({ type: 'symlink' });
        const file = await sandbox.stat('dir/file.txt');
        expect(Math.abs(file!.mtimeMs - Date.now())).toBeLessThan(60_000);
        expect(await sandbox.stat('missing')).toBeNull();
        expect(await sandbox.stat('dir/file.txt/below')).toBeNull();
      });

      test('lists directory entries sorted by name', async () => {
        for (const name of ['b.txt', 'a.txt', 'C.txt', 'sub/x.txt']) await sandbox.writeFile(name, name);
        expect(await sandbox.listDir('.')).toEqual(['C.txt', 'a.txt', 'b.txt', 'sub']);
        expect(await sandbox.listDir('sub')).toEqual(['x.txt']);
      });

      test('rejects reading what is not there with a not_found error', async () => {
        await expect(sandbox.readFile('missing.txt')).rejects.toMatchObject({ kind: 'not_found' });
        await expect(sandbox.listDir('missing')).rejects.toMatchObject({ kind: 'not_found' });
      });
    });

    group('limits', () => {
      test('reports the limits in force, the wall clock always among them', () => {
        expect(sandbox.limits).toBeDefined();
        expect(['cgroup-v2', 'cgroup-v1', 'rlimit', 'none']).toContain(sandbox.limits?.mechanism);
        expect(sandbox.limits?.wallTimeMs).toBe(DEFAULT_SANDBOX_LIMITS.wallTimeMs);
        if (sandbox.limits?.mechanism === 'none') {
          expect(sandbox.limits).toMatchObject({ memoryBytes: null, pids: null, cpus: null });
        }
      });

      test('rejects invalid limits with bad_input, starting nothing', async () => {
        for (const limits of [{ memoryBytes: -1 }, { pids: 1.5 }, { cpus: Number.NaN }, { wallTimeMs: 0 }]) {
          await expect(
            provider.create({ sessionId: 'bad-limits', workspacePath: workspace, limits }),
          ).rejects.toMatchObject({ kind: 'bad_input', code: 'invalid_sandbox_limit' });
        }
      });

      test('ends the sandbox at its wall-clock limit: pending and later calls reject with sandbox_wall_time', async () => {
        const timed = await provider.create({
          ...(options.root === undefined ? {} : { root: await options.root() }),
          sessionId: 'wall',
          workspacePath: workspace,
          limits: { wallTimeMs: 600 },
        });
        try {
          const startedAt = Date.now();
          // A background loop that ticks into the workspace while it lives.
          const pending = timed.exec('(while :; do date +%s%N > tick; sleep 0.05; done) & wait').then(
            (result) => result,
            (error: unknown) => error,
          );
          expect(await pending).toMatchObject({
            code: 'sandbox_wall_time',
            kind: 'unavailable',
            transient: false,
          });
          expect(Date.now() - startedAt).toBeLessThan(5000);
          await expect(timed.exec('true')).rejects.toMatchObject({ code: 'sandbox_wall_time' });
          await expect(timed.readFile('tick')).rejects.toMatchObject({ code: 'sandbox_wall_time' });
          const lastTick = await readFile(join(hostWorkspace(timed), 'tick'), 'utf8');
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(await readFile(join(hostWorkspace(timed), 'tick'), 'utf8')).toBe(lastTick);
        } finally {
          await timed.destroy();
        }
        await expect(timed.exec('true')).rejects.toMatchObject({ code: 'sandbox_destroyed' });
      });
    });

    group('image root', () => {
      const image = (): Promise<SandboxRoot> => {
        if (options.image === undefined) throw new Error('the contract needs `image` for this test');
        return options.image();
      };

      test("runs commands on the image's root file system, with nothing of the host's system", async () => {
        const root = await image();
        const onImage = await provider.create({ sessionId: 'image', workspacePath: workspace, root });
        try {
          const osRelease = await onImage.exec(['cat', '/etc/os-release']);
          expect(osRelease.output).toBe(await readFile(join(root.path, 'etc/os-release'), 'utf8'));
          const hostNode = await realpath(process.execPath);
          const hostOnly = await onImage.exec([
            'sh',
            '-c',
            'test -e "$1" && echo visible; true',
            'sh',
            hostNode,
          ]);
          expect(hostOnly.output).toBe('');
          await onImage.writeFile('made-on-image.txt', 'x');
          expect(await readFile(join(hostWorkspace(onImage), 'made-on-image.txt'), 'utf8')).toBe('x');
        } finally {
          await onImage.destroy();
        }
      });

      test('refuses an image root it cannot run, with image_needs_bubblewrap', async () => {
        const root = await image();
        const refused = await provider.create({ sessionId: 'image', workspacePath: workspace, root }).then(
          async (made) => {
            await made.destroy();
            return null;
          },
          (error: unknown) => error,
        );
        expect(isBadInput(refused, 'image_needs_bubblewrap')).toBe(true);
      });
    });

    group('confinement', () => {
      test("runs drydock's own program over the paths it names, with only the environment it is given", async () => {
        const command = await provider.confinement.wrap(
          {
            file: 'sh',
            args: ['-c', 'echo "$GIVEN" > written.txt; env | cut -d= -f1 | sort'],
            cwd: workspace,
            env: { PATH: '/usr/bin:/bin', GIVEN: 'given' },
          },
          { writable: [workspace] },
        );
        const output = await new Promise<string>((resolve, reject) => {
          execFile(command.file, command.args, { cwd: command.cwd, env: command.env }, (error, stdout) =>
            error ? reject(error) : resolve(stdout),
          );
        });
        expect(await readFile(join(workspace, 'written.txt'), 'utf8')).toBe('given\n');
        const names = output.split('\n').filter((line) => line !== '');
        expect(names).toContain('GIVEN');
        expect(names).not.toContain(LEAK_VARIABLE);
      });
    });

    group('destroy', () => {
      test('is idempotent, and later calls reject', async () => {
        await sandbox.destroy();
        await sandbox.destroy();
        await expect(sandbox.exec('true')).rejects.toMatchObject({ code: 'sandbox_destroyed' });
        await expect(sandbox.readFile('x')).rejects.toMatchObject({ code: 'sandbox_destroyed' });
      });

      test('stops commands that are still running', async () => {
        // Settled into a value at once, so the rejection during destroy() is never unhandled.
        const outcome = sandbox.exec('sleep 100').then(
          (result) => result,
          (error: unknown) => error,
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
        const startedAt = Date.now();
        await sandbox.destroy();
        expect(await outcome).toMatchObject({ code: 'sandbox_destroyed' });
        expect(Date.now() - startedAt).toBeLessThan(2000);
      });
    });

    it('declares skips only of tests it has, each with a reason', () => {
      expect([...reasons.keys()].filter((title) => !titles.has(title))).toEqual([]);
      expect([...reasons.values()].filter((reason) => reason.trim() === '')).toEqual([]);
    });
  });
}
