import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initRepository } from '../../test/support/git-repository.ts';
import type { Store } from '../core/ports/store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { findRegisteredRepo, registerRepo, requireRegisteredRepo } from './registered-repos.ts';

describe('registering repositories and finding them', () => {
  let dir: string;
  let home: string;
  let store: Store;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-registered-'));
    home = join(dir, 'home');
    await mkdir(home);
    store = await openSqliteStore({ path: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const codeOf = (input: string) =>
    registerRepo({ store, home }, input, 'admin').then(
      () => 'registered',
      (error: { code: string; message: string }) => error.code,
    );

  it('registers a repository by its real path, and finds it by id, path or a tidier spelling of it', async () => {
    const repo = join(dir, 'app');
    initRepository(repo);
    await symlink(repo, join(dir, 'link'));
    const registered = await registerRepo({ store, home }, join(dir, 'link'), 'admin token');
    expect(registered).toMatchObject({ kind: 'local', repo, addedBy: 'admin token' });
    expect(await findRegisteredRepo(store, registered.id)).toEqual(registered);
    expect(await findRegisteredRepo(store, repo)).toEqual(registered);
    expect(await findRegisteredRepo(store, `${repo}/`)).toEqual(registered);
    // Only what is registered: the link the admin typed is not a second name for it.
    expect(await findRegisteredRepo(store, join(dir, 'link'))).toBeNull();
    expect(await codeOf(repo)).toBe('repo_already_registered');
  });

  it('registers forge repositories in lowercase and finds them in any case', async () => {
    const registered = await registerRepo({ store, home }, 'Acme/App', 'admin');
    expect(registered).toMatchObject({ kind: 'forge', repo: 'acme/app' });
    expect(await findRegisteredRepo(store, 'ACME/app')).toEqual(registered);
    expect(await codeOf('acme/app')).toBe('repo_already_registered');
  });

  it('refuses what is not the top level of a git repository, with a code for each reason', async () => {
    const repo = join(dir, 'app');
    initRepository(repo);
    await mkdir(join(repo, 'src'));
    await mkdir(join(dir, 'plain'));
    await mkdir(join(home, 'repos', 'acme', 'app'), { recursive: true });
    initRepository(join(home, 'repos', 'acme', 'app'));
    await symlink(join(home, 'repos', 'acme', 'app'), join(dir, 'into-home'));
    await symlink('/proc/self', join(dir, 'into-proc'));
    expect(await codeOf('../../etc')).toBe('repo_path_not_absolute');
    expect(await codeOf('app')).toBe('repo_path_not_absolute');
    expect(await codeOf(`${repo}/../app`)).toBe('repo_path_dot_dot');
    expect(await codeOf('/proc/self/cwd')).toBe('repo_path_forbidden');
    expect(await codeOf('/')).toBe('repo_path_forbidden');
    expect(await codeOf(join(home, 'repos', 'acme', 'app'))).toBe('repo_path_forbidden');
    expect(await codeOf(join(dir, 'into-home'))).toBe('repo_path_forbidden');
    expect(await codeOf(join(dir, 'into-proc'))).toBe('repo_path_forbidden');
    expect(await codeOf(join(dir, 'missing'))).toBe('repo_not_found');
    expect(await codeOf(join(dir, 'plain'))).toBe('not_a_git_repository');
    expect(await codeOf(join(repo, 'src'))).toBe('repo_not_top_level');
    expect(await store.listRepos()).toEqual([]);
  });

  it('answers every unregistered name with one message that quotes nothing', async () => {
    const repo = join(dir, 'app');
    initRepository(repo);
    const messages = new Set<string>();
    for (const input of ['../../etc', '/proc/self/cwd', repo, join(dir, 'missing'), 'acme/app', 'nope']) {
      const error = await requireRegisteredRepo(store, input).then(
        () => null,
        (thrown: { code: string; message: string }) => thrown,
      );
      expect(error?.code, input).toBe('repo_not_registered');
      messages.add(error!.message);
    }
    expect(messages.size).toBe(1);
    const [message] = [...messages];
    expect(message).not.toContain(dir);
    expect(message).not.toContain(process.cwd());
  });
});
