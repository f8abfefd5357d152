import { execFileSync } from 'node:child_process';

/** Makes `dir` (which exists) a git repository with one empty commit: what registering a repository needs. */
export function initRepository(dir: string): void {
  execFileSync('git', ['init', '--quiet', dir]);
  execFileSync('git', [
    '-C',
    dir,
    '-c',
    'user.name=t',
    '-c',
    'user.email=t@x',
    'commit',
    '--quiet',
    '--allow-empty',
    '-m',
    'first',
  ]);
}
