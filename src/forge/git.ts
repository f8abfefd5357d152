import { execFile } from 'node:child_process';
import { UnavailableError } from '../core/errors.ts';
import type { HostCommand } from '../core/ports/sandbox.ts';

export class GitCommandError extends Error {
  readonly args: readonly string[];
  readonly stderr: string;
  readonly exitCode: number | null;
  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    super(
      `git ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(-3).join(' ')}`,
    );
    this.name = 'GitCommandError';
    this.args = args;
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

/**
 * Settings for every git command drydock runs. Hooks, fsmonitor and signing programs never run because
 * of what is in a repository; workspace-git.ts adds what a tree the agent wrote calls for.
 */
export const SAFE_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'tag.gpgsign=false',
  '-c',
  'safe.directory=*',
];

export interface GitOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Default 2 minutes. */
  timeoutMs?: number;
}

/**
 * Runs a git command line (git itself, or git wrapped by a confinement) and returns stdout. `args` are
 * git's own arguments, for the error. Throws GitCommandError on a non-zero exit.
 */
export function runGitCommand(
  command: HostCommand,
  args: readonly string[],
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command.file,
      command.args,
      {
        cwd: command.cwd,
        env: command.env,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && !stderr) {
          return reject(
            new UnavailableError(
              'git_missing',
              `${command.file} is not installed or not on PATH: install it (apt-get install -y git).`,
              { cause: error, transient: false },
            ),
          );
        }
        reject(
          new GitCommandError(
            args,
            typeof error.code === 'number' ? error.code : null,
            stderr || error.message,
          ),
        );
      },
    );
  });
}

/**
 * Runs git on a repository drydock trusts (the user's, or a workspace's object store) and returns
 * stdout. Throws GitCommandError on a non-zero exit. Commands that read a working tree the agent or
 * setup wrote go through workspace-git.ts instead.
 */
export function git(args: readonly string[], options: GitOptions): Promise<string> {
  return runGitCommand(
    {
      file: 'git',
      args: [...SAFE_CONFIG, ...args],
      cwd: options.cwd,
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
    },
    args,
    options.timeoutMs,
  );
}

/** Like git(), but resolves null instead of throwing when git exits non-zero. */
export async function tryGit(args: readonly string[], options: GitOptions): Promise<string | null> {
  try {
    return await git(args, options);
  } catch (error) {
    if (error instanceof GitCommandError) return null;
    throw error;
  }
}
