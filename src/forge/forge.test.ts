import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeBitbucket } from '../../test/fakes/fake-bitbucket.ts';
import { startFakeGitea } from '../../test/fakes/fake-gitea.ts';
import { startFakeGithub } from '../../test/fakes/fake-github.ts';
import { startFakeGitlab } from '../../test/fakes/fake-gitlab.ts';
import { contractOnFake, forTest, gitRemoteOf, recordedWaits } from '../../test/support/forge-fakes.ts';
import { createBitbucketForge } from './bitbucket-forge.ts';
import { createRemote, describeForgeContract } from './forge-contract.ts';
import { createForgeRegistry, requireForgeFor } from './forge-registry.ts';
import { createGiteaForge } from './gitea-forge.ts';
import { createGithubForge, staticGithubToken } from './github-forge.ts';
import { createGitlabForge } from './gitlab-forge.ts';
import { diffPosition } from './gitlab-reviews.ts';
import { createLocalForge } from './local-forge.ts';

describeForgeContract('local git', async ({ bare, stateDir }) => ({
  forge: createLocalForge({ stateDir }),
  repo: bare,
  missingRepo: join(stateDir, 'nowhere.git'),
  close: async () => {},
}));

describeForgeContract('GitHub on a fake API', async ({ bare }) => {
  const github = await startFakeGithub({ token: 'ghs_test' });
  github.addRepo('acme/app');
  const gitUrl = gitRemoteOf('acme/app', bare);
  const forge = createGithubForge({ tokens: staticGithubToken('ghs_test'), baseUrl: github.url, gitUrl });
  return contractOnFake(github, forge, 'acme/app');
});

describe('GitHub forge', () => {
  it('reads permissions, review comments, check runs and failing logs through the API', async () => {
    const github = await forTest(startFakeGithub({ token: 't' }));
    const repo = github.addRepo('acme/app', { permissions: { alice: 'write', bob: 'read' } });
    repo.reviewComments.push({ id: 1, pull: 7, body: '@drydock rename this', user: 'alice' });
    repo.checkRuns.push({
      id: 55,
      sha: 'abc',
      name: 'test',
      status: 'completed',
      conclusion: 'failure',
      log: 'FAIL x',
    });
    const forge = createGithubForge({ tokens: staticGithubToken('t'), baseUrl: github.url });
    expect(await forge.permission('acme/app', 'alice')).toBe('write');
    expect(await forge.permission('acme/app', 'bob')).toBe('read');
    expect(await forge.permission('acme/app', 'mallory')).toBe('none');
    expect(await forge.listReviewComments('acme/app', 7)).toMatchObject([
      { author: 'alice', body: '@drydock rename this' },
    ]);
    const [run] = await forge.listCheckRuns('acme/app', 'abc');
    expect(run).toMatchObject({ id: 55, conclusion: 'failure' });
    expect(await forge.checkRunLog('acme/app', run!)).toBe('FAIL x');
    expect(github.requests.every((request) => request.authorization === 'token t')).toBe(true);
  });
});

describeForgeContract('GitLab on a fake API', async ({ bare }) => {
  const gitlab = await startFakeGitlab({ token: 'glpat-test' });
  gitlab.addProject('acme/platform/app');
  const gitUrl = gitRemoteOf('acme/platform/app', bare);
  const forge = createGitlabForge({ token: 'glpat-test', url: gitlab.url, gitUrl });
  return contractOnFake(gitlab, forge, 'acme/platform/app');
});

describeForgeContract('GitLab through the forge registry', async ({ bare }) => {
  const gitlab = await startFakeGitlab({ token: 'glpat-test' });
  gitlab.addProject('acme/app');
  const gitUrl = gitRemoteOf('acme/app', bare);
  const forge = createForgeRegistry({
    gitlab: createGitlabForge({ token: 'glpat-test', url: gitlab.url, gitUrl }),
  });
  return contractOnFake(gitlab, forge, 'acme/app', 'gitlab:');
});

describe('GitLab forge', () => {
  const noWait = async () => {};

  it('reads access levels (inherited too), discussions, pipelines and a failing job log', async () => {
    const gitlab = await forTest(startFakeGitlab({ token: 't' }));
    const project = gitlab.addProject('acme/platform/app', {
      members: { alice: 30, rita: 20, olga: 50 },
      inheritedMembers: { max: 40 },
    });
    project.mergeRequests.push({
      id: 1,
      iid: 4,
      source_branch: 'drydock/x',
      target_branch: 'main',
      title: 'x',
      description: '',
      state: 'opened',
    });
    project.notes.push(
      { id: 11, on: 'merge_request', iid: 4, body: 'rename this', author: 'alice' },
      { id: 12, on: 'merge_request', iid: 4, body: 'added 1 commit', author: 'alice', system: true },
    );
    project.discussions.push({ id: 'd1', iid: 4, noteIds: [11, 12] });
    project.pipelines.push(
      { id: 7, sha: 'abc', ref: 'drydock/x', status: 'success', jobs: [] },
      {
        id: 9,
        sha: 'abc',
        ref: 'drydock/x',
        status: 'failed',
        jobs: [
          { id: 90, name: 'unit', stage: 'test', status: 'failed', log: 'FAIL src/a.test.ts' },
          { id: 91, name: 'lint', stage: 'test', status: 'failed', allow_failure: true, log: 'warn' },
          { id: 92, name: 'deploy', stage: 'deploy', status: 'manual', log: '' },
        ],
      },
    );
    const forge = createGitlabForge({ token: 't', url: gitlab.url, sleep: noWait });
    expect(await forge.permission('acme/platform/app', 'alice')).toBe('write');
    expect(await forge.permission('acme/platform/app', 'rita')).toBe('read');
    expect(await forge.permission('acme/platform/app', 'olga')).toBe('admin');
    expect(await forge.permission('acme/platform/app', 'max')).toBe('admin');
    expect(await forge.permission('acme/platform/app', 'nobody')).toBe('none');
    expect(await forge.listReviewComments('acme/platform/app', 4)).toEqual([
      expect.objectContaining({ id: 11, author: 'alice', body: 'rename this' }),
    ]);
    const runs = await forge.listCheckRuns('acme/platform/app', 'abc');
    expect(runs).toEqual([
      { id: 90, name: 'test: unit', status: 'completed', conclusion: 'failure' },
      { id: 91, name: 'test: lint', status: 'completed', conclusion: 'neutral' },
      { id: 92, name: 'deploy: deploy', status: 'completed', conclusion: 'skipped' },
    ]);
    expect(await forge.checkRunLog('acme/platform/app', runs[0]!)).toBe('FAIL src/a.test.ts');
    expect(gitlab.requests.every((request) => request.privateToken === 't')).toBe(true);
    expect(gitlab.requests.some((request) => request.path.includes('acme%2Fplatform%2Fapp'))).toBe(true);
  });

  it('comments on issues and merge requests apart: they are numbered apart', async () => {
    const gitlab = await forTest(startFakeGitlab({ token: 't' }));
    const project = gitlab.addProject('acme/app');
    project.issues.push({ iid: 1, title: 'bug', description: '' });
    const forge = createGitlabForge({ token: 't', url: gitlab.url, sleep: noWait });
    const pull = await forge.openOrUpdatePullRequest('acme/app', {
      branch: 'drydock/a',
      base: 'main',
      title: 'A',
      body: 'gate says',
    });
    await forge.comment('acme/app', 1, 'on the issue');
    await forge.comment('acme/app', pull.number, 'on the merge request', 'pull');
    expect(project.notes.map((note) => [note.on, note.iid, note.body])).toEqual([
      ['issue', 1, 'on the issue'],
      ['merge_request', 1, 'on the merge request'],
    ]);
  });

  it('rides out a rate limit and a 5xx, waiting what Retry-After asks, and reports a lasting outage as transient', async () => {
    const gitlab = await forTest(startFakeGitlab({ token: 't' }));
    gitlab.addProject('acme/app', { members: { alice: 30 } });
    const { waits, sleep } = recordedWaits();
    const forge = createGitlabForge({ token: 't', url: gitlab.url, sleep });
    gitlab.failNext(1, 429, 2);
    gitlab.failNext(1, 503, 7);
    expect(await forge.permission('acme/app', 'alice')).toBe('write');
    expect(waits).toEqual([7000]);
    gitlab.failNext(3, 500);
    await expect(forge.listCheckRuns('acme/app', 'abc')).rejects.toMatchObject({
      code: 'forge_failed',
      transient: true,
    });
  });

  it('refuses a repository on a forge the registry has no credentials for, saying what to set', async () => {
    const registry = createForgeRegistry({ github: createLocalForge({ stateDir: '/nonexistent' }) });
    expect(() => requireForgeFor(registry, 'acme/app')).not.toThrow();
    expect(() => requireForgeFor(registry, 'gitlab:acme/app')).toThrow(/DRYDOCK_GITLAB_TOKEN/);
    await expect(registry.sync('gitlab:acme/app', '/nonexistent/clone')).rejects.toMatchObject({
      code: 'forge_not_configured',
      message: expect.stringContaining('DRYDOCK_GITLAB_TOKEN'),
    });
  });
});

describe('GitLab merge request reviews', () => {
  it('places a line of the reviewed commit by its diff version, and nowhere else', () => {
    const versions = [
      { id: 2, head_commit_sha: 'h2', base_commit_sha: 'b', start_commit_sha: 's2' },
      { id: 1, head_commit_sha: 'h1', base_commit_sha: 'b', start_commit_sha: 's1' },
    ];
    expect(diffPosition(versions, 'h1', 'src/a.ts', 7)).toEqual({
      positionType: 'text',
      baseSha: 'b',
      startSha: 's1',
      headSha: 'h1',
      oldPath: 'src/a.ts',
      newPath: 'src/a.ts',
      newLine: 7,
    });
    expect(diffPosition(versions, 'h3', 'src/a.ts', 7)).toBeNull();
  });

  it('reads a merge request, fetches its head, posts a review with inline discussions, edits, replies and resolves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drydock-gitlab-review-'));
    const gitlab = await forTest(startFakeGitlab({ token: 't' }));
    try {
      const remote = await createRemote(dir);
      const head = remote.commit('feature.txt');
      execFileSync('git', ['push', '--quiet', 'origin', `${head}:refs/merge-requests/3/head`], {
        cwd: remote.work,
      });
      const project = gitlab.addProject('acme/app');
      const fork = gitlab.addProject('bob/app');
      project.mergeRequests.push({
        id: 30,
        iid: 3,
        source_branch: 'feature',
        target_branch: 'main',
        title: 'Draft: A feature',
        description: 'please review',
        state: 'opened',
        sha: head,
        author: 'bob',
        sourceProjectId: fork.id,
        allowCollaboration: true,
        versions: [{ id: 9, head_commit_sha: head, base_commit_sha: 'base0', start_commit_sha: 'start0' }],
      });
      const registry = createForgeRegistry({
        gitlab: createGitlabForge({
          token: 't',
          url: gitlab.url,
          gitUrl: () => remote.bare,
          sleep: async () => {},
        }),
      });
      const reviews = registry.reviews!;
      expect(await reviews.getPullRequest('gitlab:acme/app', 3)).toEqual({
        number: 3,
        url: `${gitlab.url}/acme/app/-/merge_requests/3`,
        title: 'Draft: A feature',
        body: 'please review',
        draft: true,
        state: 'open',
        author: 'bob',
        headSha: head,
        headRef: 'feature',
        headRepo: 'gitlab:bob/app',
        baseRef: 'main',
        maintainerCanModify: true,
      });
      const clone = join(dir, 'clone');
      await registry.sync('gitlab:acme/app', clone);
      expect(await reviews.fetchPullRequest('gitlab:acme/app', 3, clone)).toBe(head);

      const posted = await reviews.createReview('gitlab:acme/app', 3, {
        commitId: head,
        body: 'Two findings.',
        comments: [{ path: 'feature.txt', line: 1, body: 'major: this breaks' }],
      });
      const [inline] = posted.comments;
      expect(inline).toMatchObject({ path: 'feature.txt', line: 1, body: 'major: this breaks' });
      expect(project.notes.find((note) => note.id === inline!.id)?.position).toMatchObject({
        base_sha: 'base0',
        start_sha: 'start0',
        head_sha: head,
        new_path: 'feature.txt',
        new_line: '1',
        position_type: 'text',
      });
      await reviews.updateReview('gitlab:acme/app', 3, posted.id, 'One finding left.');
      expect(project.notes.find((note) => note.id === posted.id)?.body).toBe('One finding left.');
      const reply = await reviews.replyToReviewComment('gitlab:acme/app', 3, inline!.id, 'fixed in abc');
      const thread = project.discussions.find((each) => each.noteIds[0] === inline!.id)!;
      expect(thread.noteIds).toEqual([inline!.id, reply]);
      expect(await reviews.resolveReviewThread('gitlab:acme/app', 3, inline!.id)).toBe(true);
      expect(thread.resolved).toBe(true);
      expect(await reviews.resolveReviewThread('gitlab:acme/app', 3, reply)).toBe(false);
      // A commit the merge request no longer has a version for: refused, never placed on other code.
      await expect(
        reviews.createReviewComment('gitlab:acme/app', 3, {
          commitId: 'f'.repeat(40),
          path: 'a',
          line: 1,
          body: 'x',
        }),
      ).rejects.toMatchObject({ code: 'forge_failed' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describeForgeContract('Gitea on a fake API', async ({ bare }) => {
  const gitea = await startFakeGitea({ token: 'gitea-test' });
  gitea.addRepo('acme/app');
  const gitUrl = gitRemoteOf('acme/app', bare);
  const forge = createGiteaForge({ token: 'gitea-test', url: gitea.url, gitUrl });
  return contractOnFake(gitea, forge, 'acme/app');
});

describeForgeContract('Gitea through the forge registry', async ({ bare }) => {
  const gitea = await startFakeGitea({ token: 'gitea-test' });
  gitea.addRepo('acme/app');
  const forge = createForgeRegistry({
    gitea: createGiteaForge({ token: 'gitea-test', url: gitea.url, gitUrl: gitRemoteOf('acme/app', bare) }),
  });
  return contractOnFake(gitea, forge, 'acme/app', 'gitea:');
});

describe('Gitea forge', () => {
  const noWait = async () => {};

  it('reads collaborator permissions, reviews, commit statuses as check runs, and says where a log is', async () => {
    const gitea = await forTest(startFakeGitea({ token: 't' }));
    const repo = gitea.addRepo('acme/app', {
      permissions: { alice: 'write', rita: 'read', olga: 'owner', max: 'admin' },
    });
    repo.pulls.push({ number: 4, head: 'drydock/x', base: 'main', title: 'x', body: '', state: 'open' });
    repo.reviews.push(
      { id: 7, pull: 4, body: 'Looks close.', author: 'alice', comments: [] },
      {
        id: 8,
        pull: 4,
        body: '',
        author: 'alice',
        comments: [{ id: 81, body: 'rename this', path: 'src/a.ts', author: 'alice' }],
      },
    );
    repo.statuses.push(
      { id: 1, sha: 'abc', context: 'ci / unit (push)', status: 'pending' },
      { id: 2, sha: 'abc', context: 'ci / lint (push)', status: 'warning' },
      {
        id: 3,
        sha: 'abc',
        context: 'ci / unit (push)',
        status: 'failure',
        target_url: `${gitea.url}/acme/app/actions/runs/3/jobs/0`,
      },
    );
    const forge = createGiteaForge({ token: 't', url: gitea.url, sleep: noWait });
    expect(await forge.permission('acme/app', 'alice')).toBe('write');
    expect(await forge.permission('acme/app', 'rita')).toBe('read');
    expect(await forge.permission('acme/app', 'olga')).toBe('admin');
    expect(await forge.permission('acme/app', 'max')).toBe('admin');
    expect(await forge.permission('acme/app', 'bob')).toBe('none');
    expect(await forge.permission('acme/app', 'nobody-at-all')).toBe('none');
    await expect(forge.permission('acme/secret', 'alice')).rejects.toMatchObject({
      code: 'forge_no_access',
    });
    expect(await forge.listReviewComments('acme/app', 4)).toEqual([
      expect.objectContaining({ id: 7, author: 'alice', body: 'Looks close.' }),
      expect.objectContaining({ id: 81, author: 'alice', body: 'rename this' }),
    ]);
    // The newest status per context: the unit job's failure replaced its pending.
    const runs = await forge.listCheckRuns('acme/app', 'abc');
    expect(runs).toEqual([
      { id: 3, name: 'ci / unit (push)', status: 'completed', conclusion: 'failure' },
      { id: 2, name: 'ci / lint (push)', status: 'completed', conclusion: 'neutral' },
    ]);
    expect(await forge.checkRunLog('acme/app', runs[0]!)).toContain(
      `its log is at ${gitea.url}/acme/app/actions/runs/3/jobs/0`,
    );
    expect(gitea.requests.every((request) => request.authorization === 'Bearer t')).toBe(true);
  });

  it('opens a draft as a WIP title, finds it again by its branch, and comments in the shared numbering', async () => {
    const gitea = await forTest(startFakeGitea({ token: 't' }));
    const repo = gitea.addRepo('acme/app');
    const issue = gitea.addIssue(repo, 'bug');
    const forge = createGiteaForge({ token: 't', url: gitea.url, sleep: noWait });
    const request = { branch: 'drydock/a', base: 'main', title: 'A', body: 'gate says', draft: true };
    const pull = await forge.openOrUpdatePullRequest('acme/app', request);
    expect(pull).toMatchObject({ number: issue + 1, title: 'A', draft: true, branch: 'drydock/a' });
    expect(repo.pulls[0]?.title).toBe('WIP: A');
    const again = await forge.openOrUpdatePullRequest('acme/app', { ...request, draft: false, body: 'v2' });
    expect(again).toMatchObject({ number: pull.number, draft: true, body: 'v2' });
    expect(repo.pulls).toHaveLength(1);
    await forge.comment('acme/app', issue, 'on the issue');
    await forge.comment('acme/app', pull.number, 'on the pull request', 'pull');
    expect(repo.comments.map((comment) => [comment.number, comment.body])).toEqual([
      [issue, 'on the issue'],
      [pull.number, 'on the pull request'],
    ]);
  });

  it('rides out a rate limit and a 5xx, waiting what Retry-After asks, and reports a lasting outage as transient', async () => {
    const gitea = await forTest(startFakeGitea({ token: 't' }));
    gitea.addRepo('acme/app', { permissions: { alice: 'write' } });
    const { waits, sleep } = recordedWaits();
    const forge = createGiteaForge({ token: 't', url: gitea.url, sleep });
    gitea.failNext(1, 429, 2);
    gitea.failNext(1, 503, 7);
    expect(await forge.permission('acme/app', 'alice')).toBe('write');
    expect(waits).toEqual([2000, 7000]);
    gitea.failNext(3, 500);
    await expect(forge.listCheckRuns('acme/app', 'abc')).rejects.toMatchObject({
      code: 'forge_failed',
      transient: true,
    });
    // A wrong token is refused for good, never retried.
    const stranger = createGiteaForge({ token: 'wrong', url: gitea.url, sleep: noWait });
    const before = gitea.requests.length;
    await expect(stranger.permission('acme/app', 'alice')).rejects.toMatchObject({
      code: 'forge_no_access',
    });
    expect(gitea.requests.length - before).toBe(1);
  });

  it('routes gitea: repositories to it, and refuses them on a server without it, saying what to set', async () => {
    const registry = createForgeRegistry({ github: createLocalForge({ stateDir: '/nonexistent' }) });
    expect(() => requireForgeFor(registry, 'gitea:acme/app')).toThrow(
      /DRYDOCK_GITEA_URL and DRYDOCK_GITEA_TOKEN/,
    );
    await expect(registry.permission('gitea:acme/app', 'alice')).rejects.toMatchObject({
      code: 'forge_not_configured',
    });
  });
});

describeForgeContract('Bitbucket Cloud through the forge registry', async ({ bare }) => {
  const bitbucket = await startFakeBitbucket({ token: 'bb-test' });
  bitbucket.addRepo('acme/app');
  const gitUrl = gitRemoteOf('acme/app', bare);
  const bitbucketForge = createBitbucketForge({ token: 'bb-test', apiUrl: bitbucket.apiUrl, gitUrl });
  const forge = createForgeRegistry({ bitbucket: bitbucketForge });
  return contractOnFake(bitbucket, forge, 'acme/app', 'bitbucket:');
});

describe('Bitbucket Cloud forge', () => {
  it('reads explicit permissions, pull request comments, commit statuses as check runs, and says where a log is', async () => {
    const bitbucket = await forTest(startFakeBitbucket({ token: 't' }));
    const repo = bitbucket.addRepo('acme/app', {
      permissions: { '557058:alice': 'write', '557058:rita': 'read', '557058:olga': 'admin' },
    });
    repo.issues.push({ id: 1, title: 'bug' });
    const { waits, sleep } = recordedWaits();
    const forge = createBitbucketForge({ token: 't', apiUrl: bitbucket.apiUrl, sleep });
    expect(await forge.permission('acme/app', '557058:alice')).toBe('write');
    expect(await forge.permission('acme/app', '557058:rita')).toBe('read');
    expect(await forge.permission('acme/app', '557058:olga')).toBe('admin');
    expect(await forge.permission('acme/app', '557058:bob')).toBe('none');
    await expect(forge.permission('acme/secret', '557058:alice')).rejects.toMatchObject({
      code: 'forge_no_access',
    });
    const pull = await forge.openOrUpdatePullRequest('acme/app', {
      branch: 'drydock/x',
      base: 'main',
      title: 'X',
      body: 'gate',
    });
    // Issues and pull requests are numbered apart: both are number 1.
    expect(pull.number).toBe(1);
    await forge.comment('acme/app', 1, 'on the issue');
    await forge.comment('acme/app', pull.number, 'rename this', 'pull');
    expect(repo.comments.map((each) => [each.on, each.number, each.body])).toEqual([
      ['issue', 1, 'on the issue'],
      ['pull', 1, 'rename this'],
    ]);
    expect(await forge.listReviewComments('acme/app', pull.number)).toEqual([
      expect.objectContaining({ body: 'rename this', author: 'drydock' }),
    ]);
    repo.statuses.push(
      { key: 'build', sha: 'abc', name: 'Pipeline #7 build', state: 'SUCCESSFUL' },
      {
        key: 'test',
        sha: 'abc',
        name: 'Pipeline #7 test',
        state: 'FAILED',
        url: 'https://bitbucket.org/acme/app/pipelines/results/7',
      },
    );
    const runs = await forge.listCheckRuns('acme/app', 'abc');
    expect(runs.map((run) => [run.name, run.status, run.conclusion])).toEqual([
      ['Pipeline #7 build', 'completed', 'success'],
      ['Pipeline #7 test', 'completed', 'failure'],
    ]);
    expect(await forge.checkRunLog('acme/app', runs[1]!)).toContain(
      'its log is at https://bitbucket.org/acme/app/pipelines/results/7',
    );
    bitbucket.failNext(1, 429, 3);
    bitbucket.failNext(1, 502);
    expect(await forge.permission('acme/app', '557058:alice')).toBe('write');
    expect(waits).toEqual([3000, 1000]);
    expect(bitbucket.requests.every((request) => request.authorization === 'Bearer t')).toBe(true);
  });
});
