import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Forge } from '../core/ports/forge.ts';
import { createInstanceRepos, repoSource, scratchName } from './instance-repo.ts';

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

async function commitFile(repo: string, file: string, content: string): Promise<string> {
  await writeFile(join(repo, file), content);
  git(repo, 'add', file);
  git(repo, 'commit', '-qm', `write ${file}`);
  return git(repo, 'rev-parse', 'HEAD');
}

describe('repoSource', () => {
  it.each([
    ['/abs/repo', { kind: 'local', path: '/abs/repo' }],
    ['./repos/calc', { kind: 'local', path: '/tasks/repos/calc' }],
    ['../calc', { kind: 'local', path: '/calc' }],
    ['calc', { kind: 'local', path: '/tasks/calc' }],
    ['a/b/c', { kind: 'local', path: '/tasks/a/b/c' }],
    ['repos/calc.bundle', { kind: 'bundle', path: '/tasks/repos/calc.bundle' }],
    ['/data/calc.bundle', { kind: 'bundle', path: '/data/calc.bundle' }],
    ['django/django', { kind: 'forge', repo: 'django/django' }],
    [' pallets/flask ', { kind: 'forge', repo: 'pallets/flask' }],
  ])('%s', (repo, expected) => {
    expect(repoSource(repo, '/tasks')).toEqual(expected);
  });
});

describe('scratchName', () => {
  it('is readable, safe as one path segment, and distinct for distinct sources', () => {
    expect(scratchName({ kind: 'forge', repo: 'Django/django' })).toBe('django__django');
    const a = scratchName({ kind: 'local', path: '/x/calc' });
    const b = scratchName({ kind: 'local', path: '/y/calc' });
    const c = scratchName({ kind: 'bundle', path: '/x/calc.bundle' });
    expect(a).toMatch(/^calc-[0-9a-f]{12}$/);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(scratchName({ kind: 'local', path: '/x/..weird name' })).toMatch(/^weird_name-/);
  });
});

describe('createInstanceRepos', () => {
  let parent: string;
  let source: string;
  let first: string;
  let second: string;

  beforeAll(async () => {
    parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-instance-repo-')));
    source = join(parent, 'source');
    await mkdir(source);
    git(source, 'init', '-q', '--initial-branch=main');
    first = await commitFile(source, 'a.txt', 'one\n');
    second = await commitFile(source, 'a.txt', 'two\n');
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  async function outDir(): Promise<string> {
    return mkdtemp(join(parent, 'out-'));
  }

  it('clones a local repository once into <outDir>/repos, without a checkout, and checks the base commit', async () => {
    const out = await outDir();
    const repos = createInstanceRepos({ outDir: out, baseDir: parent, forge: null });
    const prepared = await Promise.all([
      repos.prepare({ repo: './source', baseCommit: first }),
      repos.prepare({ repo: source, baseCommit: second.slice(0, 10) }),
      repos.prepare({ repo: './source', baseCommit: second }),
    ]);
    const path = prepared[0].path;
    expect(path).toBe(join(out, 'repos', scratchName({ kind: 'local', path: source })));
    expect(prepared.map((repo) => [repo.path, repo.baseCommit])).toEqual([
      [path, first],
      [path, second],
      [path, second],
    ]);
    expect(git(path, 'rev-parse', '--is-bare-repository')).toBe('false');
    expect((await readdir(path)).sort()).toEqual(['.git']);
    expect(await readdir(join(out, 'repos'))).toEqual([scratchName({ kind: 'local', path: source })]);
  });

  it('reuses the clone on resume: a branch delivered into it is still there', async () => {
    const out = await outDir();
    const { path } = await createInstanceRepos({ outDir: out, baseDir: parent, forge: null }).prepare({
      repo: source,
      baseCommit: first,
    });
    git(path, 'branch', 'drydock/delivered', first);
    const again = await createInstanceRepos({ outDir: out, baseDir: parent, forge: null }).prepare({
      repo: source,
      baseCommit: second,
    });
    expect(again.path).toBe(path);
    expect(git(path, 'rev-parse', 'drydock/delivered')).toBe(first);
    expect(git(source, 'branch', '--list', 'drydock/*')).toBe('');
  });

  it('fetches a base commit the clone predates, even one no branch of the source holds', async () => {
    const out = await outDir();
    const repos = createInstanceRepos({ outDir: out, baseDir: parent, forge: null });
    const { path } = await repos.prepare({ repo: source, baseCommit: first });
    git(source, 'checkout', '-q', '--detach');
    const detached = await commitFile(source, 'b.txt', 'detached\n');
    const another = await commitFile(source, 'b.txt', 'another\n');
    git(source, 'checkout', '-q', 'main');
    const later = createInstanceRepos({ outDir: out, baseDir: parent, forge: null });
    expect(await later.prepare({ repo: source, baseCommit: detached })).toMatchObject({
      path,
      baseCommit: detached,
    });
    expect(await later.prepare({ repo: source, baseCommit: another })).toMatchObject({
      path,
      baseCommit: another,
    });
  });

  it('clones a git bundle, relative to the task file', async () => {
    git(source, 'bundle', 'create', join(parent, 'source.bundle'), '--all');
    const out = await outDir();
    const repo = await createInstanceRepos({ outDir: out, baseDir: parent, forge: null }).prepare({
      repo: 'source.bundle',
      baseCommit: first,
    });
    expect(repo.source).toEqual({ kind: 'bundle', path: join(parent, 'source.bundle') });
    expect(git(repo.path, 'rev-parse', 'main')).toBe(second);
  });

  it('says which base commit is missing, and leaves no half-made clone for what it cannot clone', async () => {
    const out = await outDir();
    const repos = createInstanceRepos({ outDir: out, baseDir: parent, forge: null });
    await expect(repos.prepare({ repo: source, baseCommit: '--upload-pack=touch x' })).rejects.toMatchObject({
      code: 'base_commit_missing',
    });
    await expect(repos.prepare({ repo: source, baseCommit: 'f'.repeat(40) })).rejects.toMatchObject({
      code: 'base_commit_missing',
      message: expect.stringContaining(`${'f'.repeat(40)} is not a commit of ${source}`),
    });
    await expect(repos.prepare({ repo: './nowhere', baseCommit: first })).rejects.toMatchObject({
      code: 'repo_not_found',
      message: expect.stringContaining(join(parent, 'nowhere')),
    });
    await mkdir(join(parent, 'plain'));
    await expect(repos.prepare({ repo: './plain', baseCommit: first })).rejects.toMatchObject({
      code: 'not_a_git_repository',
    });
    await writeFile(join(parent, 'fake.bundle'), 'not a bundle');
    await expect(repos.prepare({ repo: 'fake.bundle', baseCommit: first })).rejects.toMatchObject({
      code: 'not_a_git_repository',
    });
    expect(await readdir(join(out, 'repos'))).toEqual([scratchName({ kind: 'local', path: source })]);
  });

  it('resolves owner/name through the forge, once, and says how to configure one when there is none', async () => {
    const synced: string[] = [];
    const forge = {
      kind: 'fake',
      async sync(repo: string, dir: string) {
        synced.push(repo);
        git(parent, 'clone', '-q', '--no-checkout', source, dir);
        return { defaultBranch: 'main' };
      },
    } as unknown as Forge;
    const out = await outDir();
    const repos = createInstanceRepos({ outDir: out, baseDir: parent, forge });
    const [a, b] = await Promise.all([
      repos.prepare({ repo: 'acme/widgets', baseCommit: first }),
      repos.prepare({ repo: 'acme/widgets', baseCommit: second }),
    ]);
    expect(a.path).toBe(join(out, 'repos', 'acme__widgets'));
    expect(b.baseCommit).toBe(second);
    expect(synced).toEqual(['acme/widgets']);

    const none = createInstanceRepos({ outDir: await outDir(), baseDir: parent, forge: null });
    await expect(none.prepare({ repo: 'acme/widgets', baseCommit: first })).rejects.toMatchObject({
      code: 'forge_not_configured',
      message: expect.stringMatching(/DRYDOCK_GITHUB_TOKEN.*local path/),
    });
  });
});
