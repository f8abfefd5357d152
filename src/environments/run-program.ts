import { spawn } from 'node:child_process';

export interface RunProgramOptions {
  cwd?: string;
  /** Written to the program's stdin, which is closed afterwards. */
  input?: string | Buffer;
}

/**
 * Runs a system program (mount, umount, cp, tar) and resolves with its stdout; rejects with the
 * program's stderr when it cannot start or exits non-zero. For the few things Node cannot do itself.
 */
export function runProgram(
  file: string,
  args: readonly string[],
  options: RunProgramOptions = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(stdout));
      const tail = Buffer.concat(stderr).toString('utf8').trim().split('\n').slice(-3).join(' ');
      reject(new Error(`${file} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${tail}`));
    });
  });
}
