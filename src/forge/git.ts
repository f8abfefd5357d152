import { execFile } from 'node:child_process';
import { UnavailableError } from '../core/errors.ts';

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
 * Settings for every git command drydock runs on a workspace from outside the sandbox. The agent
 * cannot write `.git` (it is read-only in the sandbox), but the working tree is its own: never let
 * hooks, fsmonitor or signing programs run on the host because of what is in it.
 */
const SAFE_CONFIG = [
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

/** Runs git and returns stdout. Throws GitCommandError on a non-zero exit. */
export function git(args: readonly string[], options: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...SAFE_CONFIG, ...args],
      {
        cwd: options.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
        timeout: options.timeoutMs ?? 120_000,
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
              'git is not installed or not on PATH: install it (apt-get install -y git).',
              {
                cause: error,
                transient: false,
              },
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

/** Like git(), but resolves null instead of throwing when git exits non-zero. */
export async function tryGit(args: readonly string[], options: GitOptions): Promise<string | null> {
  try {
    return await git(args, options);
  } catch (error) {
    if (error instanceof GitCommandError) return null;
    throw error;
  }
}
