/**
 * The seccomp filter in a real bubblewrap sandbox: every system call it refuses fails inside (called
 * raw, through perl's syscall(), which Debian always has), in every kind of sandbox drydock starts
 * (the agent's, its services compartment, the confinement its git runs in), while the tools an agent
 * uses still work.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { SECCOMP_REFUSED, seccompArch, syscallNumber } from '../src/sandbox/seccomp-filter.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { removeTestDir } from './support/remove-dir.ts';

const arch = seccompArch();
const provider = createBubblewrapProvider({ killGraceMs: 300 });
const run = promisify(execFile);

/** A perl program that calls each system call with zero arguments and prints `name result errno`. */
function rawCalls(calls: { name: string; nr: number; arg0?: number }[]): string {
  const lines = calls.map(
    ({ name, nr, arg0 }) =>
      `$! = 0; $r = syscall(${nr}, ${arg0 ?? 0}, 0, 0, 0, 0); print "${name} $r ", ($! + 0), "\\n";`,
  );
  return `perl -e '${lines.join(' ')}'`;
}

describe.skipIf(arch === null)(`the seccomp filter in a bubblewrap sandbox (${process.arch})`, () => {
  let workspace: string;
  let sandbox: SupervisedSandbox;
  beforeAll(async () => {
    workspace = await realpath(await mkdtemp(join(tmpdir(), 'drydock-seccomp-')));
    sandbox = await provider.create({ sessionId: 'seccomp', workspacePath: workspace });
  });
  afterAll(async () => {
    await sandbox?.destroy();
    await removeTestDir(workspace);
  });

  it('refuses each listed system call (EPERM, or ENOSYS where callers fall back), and clone() making a namespace', async () => {
    const calls: { name: string; nr: number; arg0?: number }[] = SECCOMP_REFUSED.flatMap((name) => {
      const nr = syscallNumber(arch!, name);
      return nr === undefined ? [] : [{ name, nr }];
    });
    // clone(CLONE_NEWUSER | SIGCHLD) and clone(CLONE_NEWNET | SIGCHLD): refused before any child exists.
    const clone = syscallNumber(arch!, 'clone')!;
    calls.push({ name: 'clone-newuser', nr: clone, arg0: 0x10000000 | 17 });
    calls.push({ name: 'clone-newnet', nr: clone, arg0: 0x40000000 | 17 });
    const result = await sandbox.exec(rawCalls(calls));
    expect(result.exitCode).toBe(0);
    const outcomes = new Map(
      result.output
        .trim()
        .split('\n')
        .map((line) => {
          const [name, value, errno] = line.split(' ');
          return [name!, `${value} ${errno}`];
        }),
    );
    const enosys = new Set(['clone3', 'io_uring_setup', 'io_uring_enter', 'io_uring_register']);
    for (const { name } of calls) {
      expect(outcomes.get(name), name).toBe(enosys.has(name) ? '-1 38' : '-1 1');
    }
    expect(calls.length).toBeGreaterThan(40);
  });

  it('is in force for every command, and the tools an agent uses still work', async () => {
    const status = await sandbox.exec("grep '^Seccomp:' /proc/self/status");
    expect(status.output).toBe('Seccomp:\t2\n');
    const tools = await sandbox.exec(
      'git init -q repo && cd repo && echo x > f && git add f && git -c user.name=a -c user.email=a@b commit -qm x && ' +
        'git log --oneline | wc -l && /opt/drydock/node/bin/node -e \'require("fs").writeFileSync("n.txt", "ok"); console.log("node ok")\' && ' +
        '(sleep 0.1 & wait) && echo forks ok',
    );
    expect(tools).toMatchObject({ exitCode: 0 });
    expect(tools.output).toBe('1\nnode ok\nforks ok\n');
  });

  it.skipIf(!provider.capabilities.separateServices)('is in force in the services compartment', async () => {
    const status = await sandbox.exec("grep '^Seccomp:' /proc/self/status", { compartment: 'services' });
    expect(status.output).toBe('Seccomp:\t2\n');
    const ptrace = await sandbox.exec(rawCalls([{ name: 'ptrace', nr: syscallNumber(arch!, 'ptrace')! }]), {
      compartment: 'services',
    });
    expect(ptrace.output).toBe('ptrace -1 1\n');
  });

  it("is in force where drydock's own git runs (the confinement)", async () => {
    const command = await provider.confinement.wrap(
      {
        file: 'sh',
        args: ['-c', "grep '^Seccomp:' /proc/self/status"],
        cwd: workspace,
        env: { PATH: '/usr/bin:/bin' },
      },
      { writable: [workspace] },
    );
    const { stdout } = await run(command.file, command.args, { cwd: command.cwd, env: command.env });
    expect(stdout).toBe('Seccomp:\t2\n');
  });
});
