import { spawn } from 'node:child_process';

export interface ProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface RunProcessOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * Spawns a program and resolves when it has exited and its output pipes have closed: the same
 * point at which a sandbox exec answers, so the two are comparable. Rejects only when the program
 * cannot be started; a non-zero exit is a result.
 */
export function runProcess(
  file: string,
  args: readonly string[] = [],
  options: RunProcessOptions = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', reject);
    child.once('close', (exitCode) =>
      resolve({
        exitCode,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** runProcess, throwing with the output's tail unless the program exits 0. Returns stdout. */
export async function runChecked(
  file: string,
  args: readonly string[] = [],
  options: RunProcessOptions = {},
): Promise<string> {
  const result = await runProcess(file, args, options);
  if (result.exitCode !== 0) {
    const tail = `${result.stdout}${result.stderr}`.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${file} ${args.join(' ')} exited ${result.exitCode}: ${tail}`);
  }
  return result.stdout;
}
