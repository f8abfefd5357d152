import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeGithub } from '../../test/fakes/fake-github.ts';
import { describeForgeContract } from './forge-contract.ts';
import { createGithubForge, staticGithubToken } from './github-forge.ts';
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
  const forge = createGithubForge({
    tokens: staticGithubToken('ghs_test'),
    baseUrl: github.url,
    gitUrl: (repo) => (repo === 'acme/app' ? bare : `/nonexistent/${repo}.git`),
  });
  return { forge, repo: 'acme/app', missingRepo: 'acme/secret', close: () => github.close() };
});

describe('GitHub forge', () => {
  it('reads permissions, review comments, check runs and failing logs through the API', async () => {
    const github = await startFakeGithub({ token: 't' });
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
    try {
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
    } finally {
      await github.close();
    }
  });
});
