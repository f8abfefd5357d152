import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initRepository } from '../../test/support/git-repository.ts';
import { useInProcessApi } from '../../test/support/in-process-api.ts';

describe('HTTP API repositories (in-process)', () => {
  const api = useInProcessApi();
  const { call, create } = api;

  it("refuses sessions on repositories nobody registered, saying nothing about the server's disk", async () => {
    const other = join(api.h.dir, 'other');
    await mkdir(other);
    initRepository(other);
    const attacks = [
      '../../etc',
      '/proc/self/cwd',
      '/etc',
      api.h.dir,
      other,
      join(api.h.dir, 'missing'),
      'acme/app',
      'nope',
      '.',
    ];
    const messages = new Set<string>();
    for (const repo of attacks) {
      for (const role of ['member', 'admin'] as const) {
        const response = await call('POST', '/api/sessions', { role, body: { repo, task: 'read it' } });
        const text = await response.text();
        expect(response.status, repo).toBe(400);
        const body = JSON.parse(text) as {
          error: { code: string; message: string; fields: Record<string, string> };
        };
        expect(body.error.code, repo).toBe('repo_not_registered');
        expect(body.error.fields.repo).toBeDefined();
        expect(text, repo).not.toContain(process.cwd());
        expect(text, repo).not.toContain(api.h.dir);
        if (!repo.startsWith('/')) expect(text, repo).not.toContain(resolve(repo));
        messages.add(body.error.message);
      }
    }
    // One answer for all: whether a path exists or holds a repository does not show.
    expect(messages.size).toBe(1);
    expect(await api.h.store.listSessions()).toEqual([]);
    expect(api.wakes).toBe(0);
  });

  it('runs sessions on a registered repository named by its path or its id, on its real path', async () => {
    const [registered] = await api.h.store.listRepos();
    const byPath = await create({ repo: `${api.h.repo}/` });
    const byId = await create({ repo: registered!.id });
    for (const { id } of [byPath, byId]) expect((await api.h.store.getSession(id))?.repo).toBe(api.h.repo);
  });

  it('lets admins register and remove repositories, everyone list them, and refuses bad ones with a code', async () => {
    const listed = await call('GET', '/api/repos', { role: 'viewer' });
    expect(listed.status).toBe(200);
    const { repos } = (await listed.json()) as { repos: Array<{ id: string; repo: string; kind: string }> };
    expect(repos).toMatchObject([{ repo: api.h.repo, kind: 'local' }]);

    const other = join(api.h.dir, 'other');
    await mkdir(join(other, 'src'), { recursive: true });
    expect((await call('POST', '/api/repos', { role: 'member', body: { repo: other } })).status).toBe(403);
    for (const [repo, code] of [
      ['../../etc', 'repo_path_not_absolute'],
      ['/proc/self/cwd', 'repo_path_forbidden'],
      [`${other}/../other`, 'repo_path_dot_dot'],
      [join(api.h.dir, 'missing'), 'repo_not_found'],
      [other, 'not_a_git_repository'],
      [api.h.repo, 'repo_already_registered'],
      [join(api.h.deps.home, 'repos'), 'repo_path_forbidden'],
    ] as const) {
      const response = await call('POST', '/api/repos', { role: 'admin', body: { repo } });
      const text = await response.text();
      expect(response.status, repo).toBe(code === 'repo_already_registered' ? 409 : 400);
      expect(JSON.parse(text).error.code, repo).toBe(code);
      expect(text, repo).not.toContain(process.cwd());
    }
    execFileSync('git', ['init', '--quiet', other]);
    expect(
      (await call('POST', '/api/repos', { role: 'admin', body: { repo: join(other, 'src') } })).status,
    ).toBe(400);
    const added = await call('POST', '/api/repos', { role: 'admin', body: { repo: other } });
    expect(added.status).toBe(201);
    const repo = (await added.json()) as { id: string; repo: string; kind: string; addedBy: string };
    expect(repo).toMatchObject({ repo: other, kind: 'local', addedBy: 'admin token' });
    const forge = await call('POST', '/api/repos', { role: 'admin', body: { repo: 'Acme/App' } });
    const forgeRepo = (await forge.json()) as { id: string; review: { pullRequests: boolean } };
    expect(forgeRepo).toMatchObject({ repo: 'acme/app', kind: 'forge' });
    // Registered, but this server has no forge to clone it with: said so, nothing created.
    const noForge = await call('POST', '/api/sessions', { body: { repo: 'acme/app', task: 'x' } });
    expect(await noForge.json()).toMatchObject({ error: { code: 'forge_not_configured' } });
    expect(await api.h.store.listSessions()).toEqual([]);

    // Reviewing pull requests: off when registered, an admin's switch, on forge repositories only.
    expect(forgeRepo.review).toEqual({ pullRequests: false });
    const turnOn = { review: { pullRequests: true } };
    expect((await call('PATCH', `/api/repos/${forgeRepo.id}`, { role: 'member', body: turnOn })).status).toBe(
      403,
    );
    const on = await call('PATCH', `/api/repos/${forgeRepo.id}`, { role: 'admin', body: turnOn });
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({ repo: 'acme/app', review: { pullRequests: true } });
    expect((await api.h.store.findRepo('acme/app'))?.review.pullRequests).toBe(true);
    const local = await call('PATCH', `/api/repos/${repo.id}`, { role: 'admin', body: turnOn });
    expect(local.status).toBe(400);
    expect(await local.json()).toMatchObject({ error: { code: 'review_needs_forge_repo' } });
    // A GitLab project registers by its prefixed name; sessions on it need a GitLab forge, said with what to set.
    const gitlab = await call('POST', '/api/repos', {
      role: 'admin',
      body: { repo: 'gitlab:Acme/Platform/App' },
    });
    const gitlabRepo = (await gitlab.json()) as { id: string };
    expect(gitlabRepo).toMatchObject({ repo: 'gitlab:acme/platform/app', kind: 'forge' });
    const noGitlab = await call('POST', '/api/sessions', {
      body: { repo: 'gitlab:acme/platform/app', task: 'x' },
    });
    expect(await noGitlab.json()).toMatchObject({
      error: { code: 'forge_not_configured', message: expect.stringContaining('DRYDOCK_GITLAB_TOKEN') },
    });
    // Its merge requests are reviewed like GitHub's pull requests (test/gitlab-review.test.ts).
    const gitlabReview = await call('PATCH', `/api/repos/${gitlabRepo.id}`, { role: 'admin', body: turnOn });
    expect(gitlabReview.status).toBe(200);
    expect(await gitlabReview.json()).toMatchObject({
      repo: 'gitlab:acme/platform/app',
      review: { pullRequests: true },
    });
    expect((await api.h.store.findRepo('gitlab:acme/platform/app'))?.review.pullRequests).toBe(true);
    const gitea = await call('POST', '/api/repos', { role: 'admin', body: { repo: 'gitea:Acme/App' } });
    const giteaRepo = (await gitea.json()) as { id: string };
    expect(giteaRepo).toMatchObject({ repo: 'gitea:acme/app', kind: 'forge' });
    const giteaReview = await call('PATCH', `/api/repos/${giteaRepo.id}`, { role: 'admin', body: turnOn });
    expect(await giteaReview.json()).toMatchObject({ error: { code: 'forge_review_not_supported' } });
    const bad = await call('PATCH', `/api/repos/${forgeRepo.id}`, {
      role: 'admin',
      body: { review: { pullRequests: 'yes' } },
    });
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_input' } });
    expect((await call('PATCH', '/api/repos/missing', { role: 'admin', body: turnOn })).status).toBe(404);

    expect((await call('DELETE', `/api/repos/${repo.id}`, { role: 'member' })).status).toBe(403);
    expect((await call('DELETE', `/api/repos/${repo.id}`, { role: 'admin' })).status).toBe(204);
    expect((await call('DELETE', `/api/repos/${repo.id}`, { role: 'admin' })).status).toBe(404);
    const refused = await call('POST', '/api/sessions', { body: { repo: other, task: 'x' } });
    expect(await refused.json()).toMatchObject({ error: { code: 'repo_not_registered' } });
  });
});
