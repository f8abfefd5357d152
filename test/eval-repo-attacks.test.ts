/**
 * An eval's task set names repositories drydock clones on the host (src/eval/instance-repo.ts). A dataset
 * is hostile input: a repository it ships (a directory or a bundle) must run nothing on the host while
 * drydock clones it and checks its base commit, and bring none of its configuration into the clone
 * sessions start from. Each payload, if run, leaves a marker beside the repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInstanceRepos } from '../src/eval/instance-repo.ts';
import { git, markers, payload, plantEvilRepository } from './support/evil-repository.ts';

const HOOKS = [
  'post-checkout',
  'post-merge',
  'reference-transaction',
  'pre-auto-gc',
  'post-rewrite',
  'fsmonitor-watchman',
];

describe('cloning a task set repository', () => {
  let parent: string;
  let evil: string;
  let base: string;
  let command: string;
  const savedGlobal = process.env.GIT_CONFIG_GLOBAL;

  beforeAll(async () => {
    parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-eval-attack-')));
    evil = join(parent, 'evil');
    command = payload(parent, evil, 'eval');
    // Config, attributes and a hooks path that run the payload wherever git would; hooks in .git/hooks too.
    plantEvilRepository(evil, command);
    for (const hook of HOOKS) {
      await writeFile(join(evil, '.git', 'hooks', hook), `#!/bin/sh\n${command}\n`, { mode: 0o755 });
      await writeFile(join(evil, '.hooks', hook), `#!/bin/sh\n${command}\n`, { mode: 0o755 });
    }
    git(evil, 'config', 'core.sshCommand', command);
    git(evil, 'config', 'uploadpack.packObjectsHook', command);
    git(evil, 'config', 'core.alternateRefsCommand', command);
    base = git(evil, 'rev-parse', 'HEAD');
    // The bundle is made with the payload's config ignored (-c), as a dataset's author would ship it.
    execFileSync(
      'git',
      [
        '-c',
        'core.fsmonitor=false',
        '-c',
        'core.hooksPath=/dev/null',
        'bundle',
        'create',
        join(parent, 'evil.bundle'),
        '--all',
      ],
      {
        cwd: evil,
        stdio: 'ignore',
      },
    );
    expect(existsSync(markers(parent, evil).host), 'the fixture itself ran the payload').toBe(false);
  });

  afterEach(() => {
    if (savedGlobal === undefined) delete process.env.GIT_CONFIG_GLOBAL;
    else process.env.GIT_CONFIG_GLOBAL = savedGlobal;
  });

  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  async function expectCleanClone(path: string): Promise<void> {
    const { host, tree } = markers(parent, evil);
    expect(existsSync(host), `payload ran on the host: ${host}`).toBe(false);
    expect(existsSync(tree), `payload ran in the source: ${tree}`).toBe(false);
    const config = await readFile(join(path, '.git', 'config'), 'utf8');
    expect(config).not.toMatch(
      /filter|fsmonitor|hookspath|textconv|external|sshcommand|packobjectshook|alternaterefs/i,
    );
    const hooks = await readdir(join(path, '.git', 'hooks')).catch(() => []);
    expect(hooks.filter((hook) => !hook.endsWith('.sample'))).toEqual([]);
    // Nothing checked out: the content's attributes never met a filter on the host.
    expect(await readdir(path)).toEqual(['.git']);
  }

  it.each([
    ['a local repository', './evil'],
    ['a bundle made from it', 'evil.bundle'],
  ])('%s runs nothing and brings no config', async (_, repo) => {
    // Even a filter the user's own config defines for the content's attributes does not run. (Quoted:
    // a `;` starts a comment in git config.)
    const globalConfig = join(parent, 'user.gitconfig');
    await writeFile(globalConfig, `[filter "evil"]\n\tsmudge = "${command}"\n`);
    process.env.GIT_CONFIG_GLOBAL = globalConfig;

    const out = await mkdtemp(join(parent, 'out-'));
    const repos = createInstanceRepos({ outDir: out, baseDir: parent, forge: null });
    const prepared = await repos.prepare({ repo, baseCommit: base });
    expect(prepared.baseCommit).toBe(base);
    // A second instance of the same repository, and a base commit that is missing (a refresh fetch).
    await repos.prepare({ repo, baseCommit: base });
    await expect(repos.prepare({ repo, baseCommit: 'e'.repeat(40) })).rejects.toMatchObject({
      code: 'base_commit_missing',
    });
    await expectCleanClone(prepared.path);
  });
});
