import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSession } from '../src/store/store-contract.ts';
import { handleGithubDelivery } from '../src/triggers/github-webhook.ts';
import { DEFAULT_GITHUB_SETTINGS, type TriggerDeps } from '../src/triggers/trigger-deps.ts';
import { type EditablePayload, githubExample } from './support/github-examples.ts';
import { createHarness, type Harness } from './support/server-harness.ts';

/** `pull_request.closed` on drydock's pull requests → one `pull.closed` on the session, redeliveries or not. */
describe('GitHub pull request closed', () => {
  let h: Harness;
  let deps: TriggerDeps;

  beforeEach(async () => {
    h = await createHarness();
    deps = {
      sessions: h.deps,
      forge: null,
      defaultModel: 'script:demo',
      publicUrl: 'https://drydock.example',
      github: DEFAULT_GITHUB_SETTINGS,
      wake: () => {},
      watch: () => {},
    };
    // Two delivered sessions whose pull requests drydock opened (#7, #8), and one linked to issue #9.
    for (const [id, pull] of [
      ['s-merged', 7],
      ['s-closed', 8],
    ] as const) {
      await h.store.createSession(newSession(id, { state: 'delivered' }));
      await h.store.linkSession(`github:acme/app#${pull}`, id, { pull });
    }
    await h.store.createSession(newSession('s-issue'));
    await h.store.linkSession('github:acme/app#9', 's-issue', { issue: 9 });
  });
  afterEach(() => h.close());

  // The real payload (@octokit/webhooks-examples: closed unmerged by its sender, Codertocat), moved to acme/app.
  const closed = (number: number, change: (p: EditablePayload) => void = () => {}) =>
    githubExample('pull_request', 'closed', (p) => {
      p.repository.full_name = 'acme/app';
      p.pull_request.number = number;
      p.pull_request.html_url = `https://github.com/acme/app/pull/${number}`;
      change(p);
    });
  const merged = (number: number) =>
    closed(number, (p) => {
      p.pull_request.merged = true;
      p.pull_request.merged_by = { login: 'maintainer' };
      // A merge queue or a bot may be the sender: a merge counts whoever sent it.
      p.sender.login = 'merge-bot[bot]';
      p.sender.type = 'Bot';
    });
  const deliver = (id: string, payload: unknown) =>
    handleGithubDelivery(deps, {
      id,
      event: 'pull_request',
      payload,
      rawBody: new TextEncoder().encode(JSON.stringify(payload)),
    });
  const closes = async (sessionId: string) =>
    (await h.store.listEvents(sessionId))
      .map((event) => event.data)
      .filter((data) => data.type === 'pull.closed');

  it('a merge records one pull.closed with who merged it, however often it is delivered', async () => {
    const first = await deliver('d-1', merged(7));
    expect(first).toEqual({ outcome: 'pull_merged', sessionId: 's-merged', duplicate: false });
    // GitHub's redelivery (same id and body), then the same body under another id.
    expect(await deliver('d-1', merged(7))).toMatchObject({ sessionId: 's-merged', duplicate: true });
    expect(await deliver('d-2', merged(7))).toMatchObject({ duplicate: true });
    expect(await closes('s-merged')).toEqual([
      {
        type: 'pull.closed',
        url: 'https://github.com/acme/app/pull/7',
        number: 7,
        merged: true,
        by: 'github:maintainer',
      },
    ]);
  });

  it('a close without merge records merged: false once, and a later merge after reopening is recorded too', async () => {
    expect(await deliver('d-3', closed(8))).toEqual({
      outcome: 'pull_closed',
      sessionId: 's-closed',
      duplicate: false,
    });
    // A second report of the same close with another body (another delivery): the log says so already.
    expect(
      await deliver(
        'd-4',
        closed(8, (p) => (p.sender.login = 'someone-else')),
      ),
    ).toMatchObject({
      outcome: 'pull_closed',
      duplicate: false,
    });
    expect(await closes('s-closed')).toEqual([
      {
        type: 'pull.closed',
        url: 'https://github.com/acme/app/pull/8',
        number: 8,
        merged: false,
        by: 'github:Codertocat',
      },
    ]);
    await deliver('d-5', merged(8));
    expect((await closes('s-closed')).map((data) => data.type === 'pull.closed' && data.merged)).toEqual([
      false,
      true,
    ]);
  });

  it('closes of pull requests drydock did not open record nothing', async () => {
    // #9 is an issue's link; #10 is nothing of drydock's.
    expect(await deliver('d-6', closed(9))).toMatchObject({
      outcome: 'ignored: pull request closed',
      sessionId: null,
    });
    expect(await deliver('d-7', merged(10))).toMatchObject({
      outcome: 'ignored: sent by a bot',
      sessionId: null,
    });
    for (const id of ['s-issue', 's-merged', 's-closed']) expect(await closes(id)).toEqual([]);
  });
});
