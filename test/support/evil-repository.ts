/**
 * Fixtures for attacks on drydock's git on the agent's tree (test/workspace-git-attacks.test.ts,
 * test/redteam-workspace-git.test.ts): a repository whose config runs a payload wherever git would.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostCommandConfinement } from '../../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../../src/sandbox/bubblewrap-provider.ts';
import { unconfined } from '../../src/sandbox/host-provider.ts';

/** git with an identity, for making fixtures; stdout trimmed. */
export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

/** Every attack runs with git confined by bubblewrap and unconfined (the hardened invocation alone). */
export const confinements: [string, HostCommandConfinement][] = [
  ['confined by bubblewrap', createBubblewrapProvider().confinement],
  ['unconfined', unconfined],
];

/** What a payload leaves: a file beside the workspace (the host) and one at the workspace's top. */
export function markers(parent: string, workspace: string): { host: string; tree: string } {
  return { host: join(parent, 'PWNED-host'), tree: join(workspace, '.pwned-tree') };
}

/** A shell command that leaves both markers, then behaves like `cat` (a clean filter must). */
export function payload(parent: string, workspace: string, tag: string): string {
  const { host, tree } = markers(parent, workspace);
  return `sh -c 'echo ${tag} >> ${host}; echo ${tag} >> ${tree}; cat'`;
}

/**
 * A repository at `dir` (its git dir at `gitDir` when given) whose config runs `command` at every hook
 * point git offers. Configured after its commit, so only a later git in it runs anything; a change
 * after the commit gives a status inside it something to refresh through the filter.
 */
export function plantEvilRepository(dir: string, command: string, gitDir?: string): void {
  mkdirSync(join(dir, '.hooks'), { recursive: true });
  if (gitDir) mkdirSync(join(gitDir, '..'), { recursive: true });
  git(dir, 'init', '-q', ...(gitDir ? ['--separate-git-dir', gitDir] : []));
  writeFileSync(join(dir, '.gitattributes'), '* filter=evil diff=evil\n');
  writeFileSync(join(dir, 'file.txt'), 'data\n');
  git(dir, 'add', '.gitattributes', 'file.txt');
  git(dir, 'commit', '-qm', 'evil');
  for (const [key, value] of [
    ['filter.evil.clean', command],
    ['filter.evil.smudge', command],
    ['core.fsmonitor', command],
    ['diff.evil.textconv', command],
    ['diff.external', command],
    ['core.hooksPath', '.hooks'],
  ] as const) {
    git(dir, 'config', key, value);
  }
  writeFileSync(join(dir, '.hooks', 'pre-commit'), `#!/bin/sh\n${command}\n`, { mode: 0o755 });
  writeFileSync(join(dir, 'file.txt'), 'data\nmore\n');
}
