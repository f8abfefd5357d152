import { describe, expect, it } from 'vitest';
import { isForgeRepoName, localPathProblem, repoLookup } from './repo-input.ts';

describe('repoLookup: how a request names a registered repository (no filesystem, no cwd)', () => {
  it.each([
    ['acme/app', { by: 'repo', repo: 'acme/app' }],
    ['Acme/App', { by: 'repo', repo: 'acme/app' }],
    ['/srv/repos/app', { by: 'repo', repo: '/srv/repos/app' }],
    ['/srv/repos/app/', { by: 'repo', repo: '/srv/repos/app' }],
    ['/srv//repos/./app', { by: 'repo', repo: '/srv/repos/app' }],
    ['  /srv/repos/app  ', { by: 'repo', repo: '/srv/repos/app' }],
    ['k3v9x2m4q8r1', { by: 'id', id: 'k3v9x2m4q8r1' }],
    // Never resolved against the server's working directory, never normalised across `..`.
    ['../../etc', null],
    ['/srv/repos/../../etc', null],
    ['./app', null],
    ['app/', null],
    ['', null],
    ['/', null],
  ] as const)('%j → %j', (input, expected) => {
    expect(repoLookup(input)).toEqual(expected);
  });
});

it('looks up a GitLab project by its prefixed name, any case', () => {
  expect(repoLookup('gitlab:Acme/Platform/App')).toEqual({ by: 'repo', repo: 'gitlab:acme/platform/app' });
});

describe('isForgeRepoName', () => {
  it.each([
    ['acme/app', true],
    ['acme-corp/app.js', true],
    ['acme/app/more', false],
    ['./app', false],
    ['../app', false],
    ['/app/x', false],
    ['.hidden/app', false],
    ['acme/..', false],
    ['acme/.', false],
    ['gitlab:acme/app', true],
    ['gitlab:acme/platform/backend/app', true],
    ['gitlab:app', false],
    ['gitlab:acme/../app', false],
    ['gitlab:/acme/app', false],
    ['gitea:acme/app', true],
    ['gitea:acme/team/app', false],
    ['gitea:acme/..', false],
    ['forgejo:acme/app', false],
    ['bitbucket:acme/app', true],
    ['bitbucket:acme/team/app', false],
  ])('%s → %s', (input, expected) => {
    expect(isForgeRepoName(input)).toBe(expected);
  });
});

describe('localPathProblem: what registering a local path refuses before touching the filesystem', () => {
  const home = '/var/lib/drydock';
  it.each([
    ['/srv/repos/app', null],
    ['/srv/repos/app/', null],
    ['relative/app', 'repo_path_not_absolute'],
    ['../../etc', 'repo_path_not_absolute'],
    ['/srv/repos/../../etc', 'repo_path_dot_dot'],
    ['/srv/repos/..', 'repo_path_dot_dot'],
    ['/proc/self/cwd', 'repo_path_forbidden'],
    ['/proc', 'repo_path_forbidden'],
    ['/sys/kernel', 'repo_path_forbidden'],
    ['/dev/shm/repo', 'repo_path_forbidden'],
    ['/', 'repo_path_forbidden'],
    ['/var/lib/drydock/repos/acme/app', 'repo_path_forbidden'],
    ['/var/lib/drydock', 'repo_path_forbidden'],
    ['/var/lib/drydock-other/app', null],
    ['/processes/app', null],
  ])('%s → %s', (input, code) => {
    expect(localPathProblem(input, home)?.code ?? null).toBe(code);
  });

  it('says what to do, quoting only the path it was given', () => {
    const problem = localPathProblem('/proc/self/cwd', home);
    expect(problem?.message).toContain('/proc/self/cwd');
    expect(problem?.message).not.toContain(home);
  });
});
