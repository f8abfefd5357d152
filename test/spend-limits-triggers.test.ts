import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createGithubForge, staticGithubToken } from '../src/forge/github-forge.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { setSpendLimit } from '../src/sessions/spend-limits.ts';
import { type FakeGithub, startFakeGithub } from './fakes/fake-github.ts';
import { githubExample } from './support/github-examples.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { githubSignature } from './support/sign.ts';

const SECRET = 'webhook-test-secret';

/** A trigger under a spent limit: a visible refused session, and the issue told why. */
describe('GitHub trigger under a spent limit', { timeout: 90_000 }, () => {
  let h: Harness;
  let github: FakeGithub;
  let server: RunningServer;

  beforeEach(async () => {
    h = await createHarness();
    const bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    github = await startFakeGithub({ token: 'ghs_fake' });
    github.addRepo('acme/app', { permissions: { Codertocat: 'write' } });
    server = await startTestServer(h, {
      concurrency: 1,
      triggers: {
        forge: createGithubForge({
          tokens: staticGithubToken('ghs_fake'),
          baseUrl: github.url,
          gitUrl: () => bare,
        }),
        githubWebhookSecret: SECRET,
        publicUrl: 'https://drydock.example',
        secrets: createSecretBox(Buffer.alloc(32, 7)),
      },
    });
    await h.register('acme/app');
  });
  afterEach(async () => {
    await server.close(10_000);
    await github.close();
    await h.close();
  });

  it('an @drydock comment leaves a failed session with the limit’s reason and says so on the issue', async () => {
    // Spent on acme/app today (a session on the control plane's clone is charged to owner/name).
    const spent = await h.store.reserveSpend({ sessionId: 'earlier', repo: 'acme/app', estimateUsd: 0.75 });
    if (!spent.ok) throw new Error('fits');
    await h.store.settleSpend(spent.id, 0.75);
    await setSpendLimit(h.store, { scope: 'repo:acme/app', period: 'day', amountUsd: 0.5 });

    const body = JSON.stringify(
      githubExample('issue_comment', 'created', (p) => {
        p.comment.body = '@drydock fix the mean';
        p.repository.full_name = 'acme/app';
        delete p.issue.pull_request;
      }),
    );
    const response = await fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': crypto.randomUUID(),
        'x-hub-signature-256': githubSignature(SECRET, body),
      },
      body,
    });
    const answer = (await response.json()) as { sessionId: string };
    const session = await h.store.getSession(answer.sessionId);
    expect(session).toMatchObject({ state: 'failed', repo: 'acme/app' });
    expect(session?.reason).toContain('daily spend limit for repo acme/app reached: $0.75 of $0.50; resets');
    const comments = github.repos.get('acme/app')?.comments.map((c) => c.body) ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatch(
      new RegExp(
        `^drydock could not start: daily spend limit for repo acme/app reached.*\\(https://drydock.example/sessions/${session?.id}\\)$`,
      ),
    );
    // Nothing else is created.
    expect(await h.store.listSessions()).toHaveLength(1);
  });
});
