import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT } from '../src/cli/demo/demo-script.ts';
import type { JsonValue } from '../src/core/ports/store.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createGithubForge, staticGithubToken } from '../src/forge/github-forge.ts';
import type { ScriptTurn } from '../src/models/script-file.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { findForgeLink, forgeKey } from '../src/triggers/forge-link.ts';
import { findingKey } from '../src/triggers/review-comments.ts';
import { reviewLinkKey } from '../src/triggers/review-link.ts';
import { type FakeGithub, type FakeRepo, startFakeGithub } from './fakes/fake-github.ts';
import { type EditablePayload, githubExample } from './support/github-examples.ts';
import { INIT, MEAN_SKIPS, NAN_DOC, RANGE, submit, WRONG_MAX } from './support/range-review.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { githubSignature } from './support/sign.ts';

const SECRET = 'webhook-test-secret';
const PULL = 7;

/**
 * drydock's review bot on GitHub, end to end on a fake GitHub that serves the pull request and records the
 * reviews, comments, edits and resolved threads: real `pull_request`, `issue_comment` and
 * `pull_request_review_comment` payloads, a scripted reviewer, a real bare repository as the remote.
 */
describe('GitHub pull request reviews', { timeout: 180_000 }, () => {
  let h: Harness;
  let github: FakeGithub;
  let remote: FakeRepo;
  let server: RunningServer;
  let bare: string;
  let work: string;
  let triggers: ServerTriggers;
  /** The lines of src/range.js GitHub takes comments on: all of them, unless a test says otherwise. */
  let rangeLines: Set<number>;

  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Octo', '-c', 'user.email=octo@example.invalid', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();

  /** Pushes the pull request's branch (and GitHub's refs/pull/<n>/head) with `range.js` as given. */
  function pushPull(compareWith: 'low' | 'high', message: string): string {
    writeFileSync(join(work, 'src', 'range.js'), RANGE(compareWith));
    git(work, 'add', '--all');
    git(work, 'commit', '-qm', message);
    git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/feature', `HEAD:refs/pull/${PULL}/head`);
    return git(work, 'rev-parse', 'HEAD');
  }

  beforeEach(async () => {
    h = await createHarness();
    bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    work = join(h.dir, 'contributor');
    execFileSync('git', ['clone', '--quiet', bare, work]);
    git(work, 'checkout', '-qb', 'feature');
    rangeLines = new Set(Array.from({ length: 11 }, (_, i) => i + 1));
    // As GitHub does: a review comment only on a line of the pull request's diff (here: all of range.js).
    github = await startFakeGithub({
      token: 'ghs_fake',
      diffLines: (_slug, _pull, path) => (path === 'src/range.js' ? rangeLines : new Set()),
    });
    remote = github.addRepo('acme/app', { permissions: { Codertocat: 'write', reader: 'read' } });
    triggers = {
      forge: createGithubForge({
        tokens: staticGithubToken('ghs_fake'),
        baseUrl: github.url,
        gitUrl: () => bare,
      }),
      githubWebhookSecret: SECRET,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
      ci: { disabled: true },
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
  });
  afterEach(async () => {
    await server.close(10_000);
    await github.close();
    await h.close();
  });

  async function openPull(options: { reviewOn: boolean; headRepo?: string; maintainerCanModify?: boolean }) {
    const registered = await h.register('acme/app');
    if (options.reviewOn) await h.store.updateRepo(registered.id, { review: { pullRequests: true } });
    const sha = pushPull('low', 'Add range()');
    remote.pulls.push({
      number: PULL,
      head: 'feature',
      base: 'main',
      title: 'Add range()',
      body: 'range() of a list of numbers.',
      draft: false,
      state: 'open',
      headSha: sha,
      user: 'Codertocat',
      ...(options.headRepo ? { headRepo: options.headRepo } : {}),
      maintainerCanModify: options.maintainerCanModify ?? false,
    });
    return sha;
  }

  const pullEvent = (action: string, sha: string, change: (p: EditablePayload) => void = () => {}) =>
    githubExample('pull_request', action, (p) => {
      p.number = PULL;
      p.pull_request.number = PULL;
      p.pull_request.draft = false;
      p.pull_request.head.sha = sha;
      p.pull_request.head.ref = 'feature';
      p.pull_request.base.ref = 'main';
      p.repository.full_name = 'acme/app';
      change(p);
    });

  const post = async (
    event: string,
    payload: Record<string, unknown>,
    options: { id?: string; signature?: string } = {},
  ) => {
    const body = JSON.stringify(payload);
    return fetch(`${server.url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': options.id ?? crypto.randomUUID(),
        'x-hub-signature-256': options.signature ?? githubSignature(SECRET, body),
      },
      body,
    });
  };
  const deliver = async (event: string, payload: Record<string, unknown>, id?: string) => {
    const response = await post(event, payload, id ? { id } : {});
    expect(response.status).toBe(202);
    return (await response.json()) as { outcome: string; sessionId: string | null; duplicate: boolean };
  };

  /** The findings recorded acted on in a review session's log. */
  async function actedOn(id: string) {
    const events = await h.store.listEvents(id);
    return events.map((event) => event.data).filter((data) => data.type === 'review.findings_resolved');
  }
  const wrongMaxKey = findingKey({ file: 'src/range.js', explanation: WRONG_MAX });

  async function ended(id: string) {
    for (let i = 0; i < 1200; i++) {
      const session = await h.store.getSession(id);
      if (session && ['delivered', 'bowed_out', 'failed', 'cancelled'].includes(session.state)) {
        await triggers.reviewPublisher?.idle();
        await triggers.publisher?.idle();
        return session;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`session ${id} did not end`);
  }

  const inline = () => remote.reviewComments.filter((c) => c.inReplyTo === undefined);
  const commentOn = (explanation: string) => inline().filter((c) => c.body.includes(explanation));

  const firstReview = () =>
    submit('range() compares the maximum with the minimum.', [
      {
        file: 'src/range.js',
        line: 8,
        severity: 'minor',
        explanation: WRONG_MAX,
        suggestedFix: '`    if (n > high) high = n;`',
      },
      {
        file: 'src/range.js',
        line: 1,
        severity: 'nit',
        explanation: NAN_DOC,
        suggestedFix: 'Say that NaN makes the result NaN.',
      },
      { file: 'src/stats.js', line: 5, severity: 'major', explanation: MEAN_SKIPS, proof: { check: 'test' } },
    ]);

  it('reviews a pull request when it opens, then updates the same review on a push: a fixed finding resolved, none posted twice', async () => {
    const sha = await openPull({ reviewOn: true });
    h.scripts.demo = { reviewer: firstReview() };
    const opened = await deliver('pull_request', pullEvent('opened', sha));
    expect(opened.outcome).toBe('review_started');
    const first = await ended(opened.sessionId!);
    expect(first).toMatchObject({ kind: 'review', state: 'delivered', headCommit: sha });
    expect(first.task).toContain('Add range()');

    // One review, with the summary as its body and the findings on the diff's lines inline.
    expect(remote.reviews).toHaveLength(1);
    const review = remote.reviews[0]!;
    expect(review).toMatchObject({ pull: PULL, event: 'COMMENT', commitId: sha });
    expect(review.body).toContain('range() compares the maximum with the minimum.');
    expect(review.body).toContain('0 verified');
    // Not on a line of the diff: in the body, with its evidence (the test check, which failed before too).
    expect(review.body).toContain('### Findings outside the diff');
    expect(review.body).toContain(MEAN_SKIPS);
    expect(review.body).toMatch(/<details>\n<summary>Evidence \(not verified\)/);
    expect(inline().map((c) => [c.path, c.line, c.side, c.reviewId])).toEqual([
      ['src/range.js', 8, 'RIGHT', review.id],
      ['src/range.js', 1, 'RIGHT', review.id],
    ]);
    const [wrongMax] = commentOn(WRONG_MAX);
    // A one-line replacement is a suggestion; other fixes are text.
    expect(wrongMax!.body).toContain('**minor**: ');
    expect(wrongMax!.body).toContain('```suggestion\n    if (n > high) high = n;\n```');
    expect(commentOn(NAN_DOC)[0]!.body).toContain('Suggested fix: Say that NaN makes the result NaN.');
    expect(remote.comments).toEqual([]);

    // A push fixes line 8: the second review keeps the nit, adds one, and drops the fixed finding.
    const pushed = pushPull('high', 'Compare with high');
    remote.pulls[0]!.headSha = pushed;
    h.scripts.demo = {
      reviewer: submit('Better: the maximum is right now.', [
        { file: 'src/range.js', line: 1, severity: 'nit', explanation: NAN_DOC },
        { file: 'src/range.js', line: 4, severity: 'nit', explanation: INIT },
        { file: 'src/stats.js', line: 5, severity: 'minor', explanation: MEAN_SKIPS },
      ]),
    };
    const synced = await deliver('pull_request', pullEvent('synchronize', pushed));
    expect(synced.outcome).toBe('review_started');
    expect(synced.sessionId).not.toBe(opened.sessionId);
    const second = await ended(synced.sessionId!);
    expect(second).toMatchObject({ state: 'delivered', headCommit: pushed });

    expect(remote.reviews).toHaveLength(1);
    expect(remote.reviewEdits).toHaveLength(1);
    const edited = remote.reviews[0]!.body;
    expect(edited).toContain(`drydock review of ${pushed.slice(0, 12)}`);
    expect(edited).toContain('Better: the maximum is right now.');
    expect(edited).toContain('### Fixed since the last review');
    expect(edited).toContain(WRONG_MAX);
    expect(edited).toContain(MEAN_SKIPS);
    // The fixed finding's thread is resolved; the standing one is not posted again; the new one is inline.
    expect(commentOn(WRONG_MAX)).toHaveLength(1);
    expect(commentOn(WRONG_MAX)[0]!.resolved).toBe(true);
    expect(commentOn(NAN_DOC)).toHaveLength(1);
    expect(commentOn(NAN_DOC)[0]!.resolved).not.toBe(true);
    expect(commentOn(INIT).map((c) => [c.path, c.line, c.commitId])).toEqual([['src/range.js', 4, pushed]]);
    expect(inline()).toHaveLength(3);
    expect(remote.reviewComments.filter((c) => c.inReplyTo !== undefined)).toEqual([]);
    expect(remote.comments).toEqual([]);
    // The first review records its fixed finding acted on (analytics read it); the standing nit is not.
    expect(await actedOn(first.id)).toEqual([
      { type: 'review.findings_resolved', keys: [wrongMaxKey], how: 'gone', by: second.id, commit: pushed },
    ]);
    expect(await actedOn(second.id)).toEqual([]);

    // The first review ending only now (reviews of quick pushes can end out of order) posts nothing over the newer one.
    const key = reviewLinkKey('acme/app', PULL, first.id);
    const {
      reviewId: _,
      findings: __,
      ...unposted
    } = (await h.store.findLink(key))!.data as Record<string, unknown>;
    await h.store.linkSession(key, first.id, unposted as JsonValue);
    const writes = github.writes().length;
    await triggers.reviewPublisher!.publish(first.id);
    expect(github.writes()).toHaveLength(writes);
    expect((await h.store.findLink(key))!.data).toMatchObject({ superseded: true });

    // drydock's own pull request is not reviewed again: it was reviewed before it was delivered.
    await h.store.linkSession(forgeKey('acme/app', 8), first.id, { pull: 8 });
    const own = await deliver(
      'pull_request',
      pullEvent('opened', pushed, (p) => {
        p.number = 8;
        p.pull_request.number = 8;
      }),
    );
    expect(own).toMatchObject({
      outcome: 'ignored: a drydock pull request (reviewed before delivery)',
      sessionId: null,
    });
  });

  it('with review off a pull request starts nothing, but an @drydock review comment does; a redelivery starts nothing new', async () => {
    const sha = await openPull({ reviewOn: false });
    h.scripts.demo = { reviewer: firstReview() };
    // GitHub's diff disagrees with drydock's about line 8: it refuses the comment there.
    rangeLines.delete(8);
    const opened = await deliver('pull_request', pullEvent('opened', sha));
    expect(opened).toMatchObject({
      outcome: 'ignored: reviewing pull requests is off for acme/app',
      sessionId: null,
    });
    expect(await h.store.listSessions()).toEqual([]);

    const ask = (login: string) =>
      githubExample('issue_comment', 'created', (p) => {
        p.issue.number = PULL;
        p.issue.pull_request = { url: `https://api.github.com/repos/acme/app/pulls/${PULL}` };
        p.comment.body = '@drydock review';
        p.comment.user.login = login;
        p.sender.login = login;
        p.repository.full_name = 'acme/app';
      });
    const refused = await deliver('issue_comment', ask('reader'));
    expect(refused.outcome).toBe('ignored: reader has no write access');

    const asked = await deliver('issue_comment', ask('Codertocat'), 'delivery-review-1');
    expect(asked.outcome).toBe('review_started');
    const again = await deliver('issue_comment', ask('Codertocat'), 'delivery-review-1');
    expect(again).toMatchObject({ outcome: 'review_started', sessionId: asked.sessionId, duplicate: true });
    const session = await ended(asked.sessionId!);
    expect(session.state).toBe('delivered');
    expect(session.createdBy).toMatchObject({ id: 'github:Codertocat' });
    // Refused inline, the findings are all in the one review's body rather than lost.
    expect(remote.reviews).toHaveLength(1);
    expect(inline()).toEqual([]);
    for (const explanation of [WRONG_MAX, NAN_DOC, MEAN_SKIPS])
      expect(remote.reviews[0]!.body).toContain(explanation);
    expect(remote.comments.map((c) => c.body)).toEqual([
      `drydock is reviewing ${sha.slice(0, 12)}: https://drydock.example/sessions/${session.id}`,
    ]);
    expect(await h.store.listSessions()).toHaveLength(1);

    // A tampered delivery: 401, and nothing at all.
    const writes = github.writes().length;
    const tampered = await post('issue_comment', ask('Codertocat'), {
      signature: githubSignature('not-the-secret', JSON.stringify(ask('Codertocat'))),
    });
    expect(tampered.status).toBe(401);
    expect(await h.store.listSessions()).toHaveLength(1);
    expect(github.writes()).toHaveLength(writes);
    expect(remote.reviews).toHaveLength(1);
  });

  it('POST /api/reviews reviews a pull request by number as @drydock review does; a viewer is refused and nothing reaches GitHub', async () => {
    const sha = await openPull({ reviewOn: false });
    h.scripts.demo = { reviewer: firstReview() };
    const api = (body: unknown, role: 'viewer' | 'member') =>
      fetch(`${server.url}/api/reviews`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.tokens[role]}` },
        body: JSON.stringify(body),
      });
    expect((await api({ repo: 'acme/app', pull: PULL }, 'viewer')).status).toBe(403);
    expect(await h.store.listSessions()).toEqual([]);
    expect(github.writes()).toEqual([]);

    const response = await api({ repo: 'acme/app', pull: PULL }, 'member');
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const session = await ended(id);
    expect(session).toMatchObject({ kind: 'review', state: 'delivered', headCommit: sha });
    expect(session.createdBy?.id).toMatch(/^token:/);
    expect((await h.store.findLink(reviewLinkKey('acme/app', PULL, id)))?.data).toMatchObject({
      pull: PULL,
      headSha: sha,
      requester: session.createdBy?.id,
    });
    // Posted on the pull request like any review of it: one review, its findings inline, the start acknowledged.
    expect(remote.reviews).toHaveLength(1);
    expect(remote.reviews[0]).toMatchObject({ pull: PULL, commitId: sha });
    expect(commentOn(WRONG_MAX)).toHaveLength(1);
    expect(remote.comments.map((c) => c.body)).toEqual([
      `drydock is reviewing ${sha.slice(0, 12)}: https://drydock.example/sessions/${id}`,
    ]);

    // A pull request GitHub does not have: the session exists, failed with why.
    const missing = await api({ repo: 'acme/app', pull: 99 }, 'member');
    expect(missing.status).toBe(201);
    expect(await missing.json()).toMatchObject({ state: 'failed' });
  });

  it('@drydock fix this on a finding starts a session that pushes the fix onto the pull request branch, whose push is reviewed again; on a fork that forbids edits it says why', async () => {
    const sha = await openPull({ reviewOn: true });
    h.scripts.demo = { reviewer: firstReview() };
    const opened = await deliver('pull_request', pullEvent('opened', sha));
    await ended(opened.sessionId!);
    const [wrongMax] = commentOn(WRONG_MAX);

    h.scripts.demo = {
      coder: [
        {
          toolCalls: [
            {
              name: 'edit_file',
              input: {
                path: 'src/range.js',
                oldText: 'if (n > low) high = n;',
                newText: 'if (n > high) high = n;',
              },
            },
          ],
        },
        { toolCalls: [{ name: 'finish', input: { summary: 'The maximum is compared with high.' } }] },
      ],
      reviewer: (DEMO_SCRIPT as { reviewer: ScriptTurn[] }).reviewer,
    };
    const reply = (commentId: number, id: number) =>
      githubExample('pull_request_review_comment', 'created', (p) => {
        p.comment.id = id;
        p.comment.body = '@drydock fix this';
        p.comment.in_reply_to_id = commentId;
        p.comment.user.login = 'Codertocat';
        p.sender.login = 'Codertocat';
        p.pull_request.number = PULL;
        p.pull_request.head.ref = 'feature';
        p.repository.full_name = 'acme/app';
      });
    const fix = await deliver('pull_request_review_comment', reply(wrongMax!.id, 1));
    expect(fix.outcome).toBe('started');
    const started = (await h.store.getSession(fix.sessionId!))!;
    // On the pull request's head, its task the finding, where it is, and the pull request.
    expect(started.baseCommit).toBe(sha);
    expect(started.task).toContain(WRONG_MAX);
    expect(started.task).toContain('src/range.js:8');
    expect(started.task).toContain(`https://github.example/acme/app/pull/${PULL}`);
    expect(findForgeLink(await h.store.listLinks({ sessionId: started.id }))?.data).toMatchObject({
      pull: PULL,
      pushTo: { repo: 'acme/app', branch: 'feature' },
    });
    const answered = remote.reviewComments.filter((c) => c.inReplyTo === wrongMax!.id);
    expect(answered.map((c) => c.body)).toEqual([
      `drydock is fixing this on feature: https://drydock.example/sessions/${started.id}`,
    ]);

    const done = await ended(started.id);
    expect(done.state).toBe('delivered');
    // The fix went onto the pull request's own branch, on top of its head; no other pull request.
    expect(git(bare, 'rev-parse', 'refs/heads/feature')).toBe(done.headCommit);
    expect(git(bare, 'rev-parse', `${done.headCommit}^`)).toBe(sha);
    expect(git(bare, 'show', `${done.headCommit}:src/range.js`)).toBe(RANGE('high').trim());
    expect(remote.pulls).toHaveLength(1);
    expect(remote.comments.at(-1)!.body).toContain(
      `drydock pushed ${done.headCommit!.slice(0, 12)} to feature`,
    );
    // The review that posted the finding records it fixed by that session, once its fix is on the pull request.
    const fixed = {
      type: 'review.findings_resolved',
      keys: [wrongMaxKey],
      how: 'fixed',
      by: started.id,
      commit: done.headCommit,
    };
    expect(await actedOn(opened.sessionId!)).toEqual([fixed]);
    // Publishing it again (a restart) pushes nothing new and records nothing again.
    await triggers.publisher!.publish(started.id);
    expect(await actedOn(opened.sessionId!)).toEqual([fixed]);

    // drydock's push is reviewed again; where GitHub will not resolve the fixed finding's thread, drydock says so in it.
    git(bare, 'update-ref', `refs/pull/${PULL}/head`, done.headCommit!);
    github.graphqlEnabled = false;
    h.scripts.demo = {
      reviewer: submit('The maximum is right now.', [
        { file: 'src/range.js', line: 1, severity: 'nit', explanation: NAN_DOC },
      ]),
    };
    const again = await deliver(
      'pull_request',
      pullEvent('synchronize', done.headCommit!, (p) => {
        p.sender.login = 'drydock[bot]';
        p.sender.type = 'Bot';
      }),
    );
    expect(again.outcome).toBe('review_started');
    expect(await ended(again.sessionId!)).toMatchObject({ state: 'delivered', headCommit: done.headCommit });
    expect(remote.reviews).toHaveLength(1);
    expect(remote.reviewEdits).toHaveLength(1);
    expect(remote.reviews[0]!.body).toContain('### Fixed since the last review');
    expect(commentOn(WRONG_MAX)[0]!.resolved).not.toBe(true);
    expect(remote.reviewComments.filter((c) => c.inReplyTo === wrongMax!.id).map((c) => c.body)).toEqual([
      `drydock is fixing this on feature: https://drydock.example/sessions/${started.id}`,
      `Fixed in ${done.headCommit!.slice(0, 12)}.`,
    ]);
    expect(commentOn(NAN_DOC)).toHaveLength(1);
    expect(await actedOn(opened.sessionId!)).toEqual([
      fixed,
      {
        type: 'review.findings_resolved',
        keys: [wrongMaxKey],
        how: 'gone',
        by: again.sessionId,
        commit: done.headCommit,
      },
    ]);

    // The same request on a fork's pull request whose author does not allow edits: an answer, no session.
    remote.pulls[0]!.headRepo = 'someone/app';
    remote.pulls[0]!.maintainerCanModify = false;
    const sessions = (await h.store.listSessions()).length;
    const refused = await deliver('pull_request_review_comment', reply(wrongMax!.id, 2));
    expect(refused.duplicate).toBe(false);
    expect(refused.outcome).toMatch(/^ignored: .*someone\/app.*does not allow edits by maintainers/);
    expect((await h.store.listSessions()).length).toBe(sessions);
    expect(await actedOn(opened.sessionId!)).toHaveLength(2);
    expect(remote.reviewComments.filter((c) => c.inReplyTo === wrongMax!.id).at(-1)!.body).toMatch(
      /^drydock cannot fix this here: .*Allow edits by maintainers/,
    );
  });
});
