import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT } from '../src/cli/demo/demo-script.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createForgeRegistry } from '../src/forge/forge-registry.ts';
import { createGitlabForge } from '../src/forge/gitlab-forge.ts';
import type { ScriptTurn } from '../src/models/script-file.ts';
import type { ServerTriggers } from '../src/server/server-deps.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { findForgeLink, forgeKey } from '../src/triggers/forge-link.ts';
import {
  type FakeGitlab,
  type FakeMergeRequest,
  type FakeProject,
  startFakeGitlab,
} from './fakes/fake-gitlab.ts';
import { INIT, MEAN_SKIPS, NAN_DOC, RANGE, submit, WRONG_MAX } from './support/range-review.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

const SECRET = 'gitlab-webhook-secret-token';
const IID = 7;
const PROJECT = 'acme/app';
const REPO = `gitlab:${PROJECT}`;

// biome-ignore lint/suspicious/noExplicitAny: test payloads are edited in place, field by field
type Payload = Record<string, any>;
const fixture = (name: string, change: (payload: Payload) => void = () => {}): Payload => {
  const payload = JSON.parse(
    readFileSync(join(import.meta.dirname, 'fixtures/gitlab', `${name}.json`), 'utf8'),
  );
  payload.project.path_with_namespace = PROJECT;
  change(payload);
  return payload;
};

const firstReview = () =>
  submit('range() compares the maximum with the minimum.', [
    { file: 'src/range.js', line: 1, severity: 'nit', explanation: NAN_DOC },
    {
      file: 'src/range.js',
      line: 8,
      severity: 'minor',
      explanation: WRONG_MAX,
      suggestedFix: '`    if (n > high) high = n;`',
    },
    { file: 'src/stats.js', line: 5, severity: 'major', explanation: MEAN_SKIPS },
  ]);

/**
 * drydock's review bot on GitLab, end to end: GitLab's Merge Request Hook and Note Hook payloads → review
 * sessions run by a scripted reviewer → a summary note and inline discussions on the fake GitLab, placed by the
 * merge request's diff version, updated on a push; `@drydock review` and `@drydock fix this` notes.
 */
describe('GitLab merge request reviews', { timeout: 180_000 }, () => {
  let h: Harness;
  let gitlab: FakeGitlab;
  let project: FakeProject;
  let mr: FakeMergeRequest;
  let server: RunningServer;
  let bare: string;
  let work: string;
  let triggers: ServerTriggers;
  let mainSha: string;

  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Alice', '-c', 'user.email=alice@example.invalid', ...args], {
      cwd,
      encoding: 'utf8',
    }).trim();

  /** Pushes the merge request's branch (and GitLab's refs/merge-requests/<iid>/head) and adds its diff version. */
  function pushMr(compareWith: 'low' | 'high', message: string): string {
    writeFileSync(join(work, 'src', 'range.js'), RANGE(compareWith));
    git(work, 'add', '--all');
    git(work, 'commit', '-qm', message);
    git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/feature', `HEAD:refs/merge-requests/${IID}/head`);
    const sha = git(work, 'rev-parse', 'HEAD');
    newVersion(sha);
    return sha;
  }
  function newVersion(sha: string): void {
    mr.sha = sha;
    mr.versions = [
      {
        id: (mr.versions?.length ?? 0) + 1,
        head_commit_sha: sha,
        base_commit_sha: mainSha,
        start_commit_sha: mainSha,
      },
      ...(mr.versions ?? []),
    ];
  }

  beforeEach(async () => {
    h = await createHarness();
    bare = join(h.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', h.repo, bare]);
    work = join(h.dir, 'contributor');
    execFileSync('git', ['clone', '--quiet', bare, work]);
    mainSha = git(work, 'rev-parse', 'HEAD');
    git(work, 'checkout', '-qb', 'feature');
    gitlab = await startFakeGitlab({ token: 'glpat-fake' });
    project = gitlab.addProject(PROJECT, { members: { alice: 30, rita: 20 } });
    mr = {
      id: 70,
      iid: IID,
      source_branch: 'feature',
      target_branch: 'main',
      title: 'Add range()',
      description: 'range() of a list of numbers.',
      state: 'opened',
      author: 'alice',
    };
    project.mergeRequests.push(mr);
    triggers = {
      forge: createForgeRegistry({
        gitlab: createGitlabForge({
          token: 'glpat-fake',
          url: gitlab.url,
          gitUrl: () => bare,
          sleep: async () => {},
        }),
      }),
      githubWebhookSecret: null,
      gitlabWebhookSecret: SECRET,
      publicUrl: 'https://drydock.example',
      secrets: createSecretBox(Buffer.alloc(32, 7)),
      ci: { disabled: true },
    };
    server = await startTestServer(h, { concurrency: 1, triggers });
  });
  afterEach(async () => {
    await server.close(10_000);
    await gitlab.close();
    await h.close();
  });

  /** Registers the project, reviews on or off, with its setting turned on through the API as an admin would. */
  async function registerProject(reviewOn: boolean): Promise<void> {
    const registered = await h.register(REPO);
    if (!reviewOn) return;
    const response = await fetch(`${server.url}/api/repos/${registered.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ review: { pullRequests: true } }),
    });
    expect(response.status).toBe(200);
  }

  const deliver = async (event: string, payload: Payload) => {
    const response = await fetch(`${server.url}/webhooks/gitlab`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gitlab-event': event,
        'x-gitlab-event-uuid': crypto.randomUUID(),
        'x-gitlab-token': SECRET,
      },
      body: JSON.stringify(payload),
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { outcome: string; sessionId: string | null; duplicate: boolean };
  };
  const mrEvent = (name: 'merge-request-opened' | 'merge-request-updated', user = 'alice') =>
    fixture(name, (p) => {
      p.user.username = user;
      p.object_attributes.iid = IID;
    });
  /** A note on the merge request, as a person writes it (in a discussion when `discussionId` is given). */
  const noteEvent = (text: string, user: string, discussionId?: string) =>
    fixture('note-merge-request', (p) => {
      p.user.username = user;
      p.object_attributes.note = text;
      p.merge_request.iid = IID;
      if (discussionId === undefined) {
        p.object_attributes.type = null;
        p.object_attributes.position = null;
        delete p.object_attributes.discussion_id;
        return;
      }
      // GitLab has stored the reply in the discussion by the time its hook fires.
      const id = 5000 + project.notes.length;
      project.notes.push({ id, on: 'merge_request', iid: IID, body: text, author: user });
      project.discussions.find((each) => each.id === discussionId)!.noteIds.push(id);
      p.object_attributes.id = id;
      p.object_attributes.discussion_id = discussionId;
    });

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

  const threads = () =>
    project.discussions.map((thread) => {
      const [first, ...replies] = thread.noteIds.map((id) => project.notes.find((note) => note.id === id)!);
      return { thread, first: first!, replies };
    });
  const threadOf = (explanation: string) => threads().filter((each) => each.first.body.includes(explanation));
  const inThreads = () => new Set(project.discussions.flatMap((thread) => thread.noteIds));
  /** Notes on the merge request that are not in a discussion: the summary, acknowledgements, refusals. */
  const plainNotes = () => project.notes.filter((note) => note.iid === IID && !inThreads().has(note.id));

  it('reviews a merge request when it opens, then updates the same review on a push: a fixed finding resolved, none posted twice', async () => {
    await registerProject(true);
    const sha = pushMr('low', 'Add range()');
    h.scripts.demo = { reviewer: firstReview() };
    const opened = await deliver('Merge Request Hook', mrEvent('merge-request-opened'));
    expect(opened.outcome).toBe('review_started');
    const first = await ended(opened.sessionId!);
    expect(first).toMatchObject({ kind: 'review', state: 'delivered', headCommit: sha });
    expect(first.task).toContain('Merge request !7: Add range()');
    expect(first.createdBy).toMatchObject({ id: 'gitlab:alice' });

    // One summary note, with the finding outside the diff in it; the others as discussions on their lines.
    expect(plainNotes()).toHaveLength(1);
    const summary = plainNotes()[0]!;
    expect(summary.body).toContain('range() compares the maximum with the minimum.');
    expect(summary.body).toContain('### Findings outside the diff');
    expect(summary.body).toContain(MEAN_SKIPS);
    expect(summary.body).not.toContain(WRONG_MAX);
    const placed = threads().map(({ first: note }) => [
      note.position?.new_path,
      note.position?.new_line,
      note.position?.head_sha,
      note.position?.base_sha,
      note.position?.start_sha,
    ]);
    expect(placed).toEqual([
      ['src/range.js', '8', sha, mainSha, mainSha],
      ['src/range.js', '1', sha, mainSha, mainSha],
    ]);
    // A discussion is posted as a form (its position is nested), whose text fields carry CRLF line ends.
    expect(threadOf(WRONG_MAX)[0]!.first.body.replaceAll('\r\n', '\n')).toContain(
      '```suggestion\n    if (n > high) high = n;\n```',
    );

    // A push fixes line 8: the summary is edited, the nit stays, a new finding is added, the fixed one resolved.
    const pushed = pushMr('high', 'Compare with high');
    h.scripts.demo = {
      reviewer: submit('Better: the maximum is right now.', [
        { file: 'src/range.js', line: 1, severity: 'nit', explanation: NAN_DOC },
        { file: 'src/range.js', line: 4, severity: 'nit', explanation: INIT },
        { file: 'src/stats.js', line: 5, severity: 'minor', explanation: MEAN_SKIPS },
      ]),
    };
    const updated = await deliver('Merge Request Hook', mrEvent('merge-request-updated'));
    expect(updated.outcome).toBe('review_started');
    expect(updated.sessionId).not.toBe(opened.sessionId);
    expect(await ended(updated.sessionId!)).toMatchObject({ state: 'delivered', headCommit: pushed });

    expect(plainNotes().map((note) => note.id)).toEqual([summary.id]);
    const edited = plainNotes()[0]!.body;
    expect(edited).toContain(`drydock review of ${pushed.slice(0, 12)}`);
    expect(edited).toContain('Better: the maximum is right now.');
    expect(edited).toContain('### Fixed since the last review');
    expect(edited).toContain(WRONG_MAX);
    expect(threadOf(WRONG_MAX)).toHaveLength(1);
    expect(threadOf(WRONG_MAX)[0]!.thread.resolved).toBe(true);
    expect(threadOf(NAN_DOC)).toHaveLength(1);
    expect(threadOf(NAN_DOC)[0]!.thread.resolved).not.toBe(true);
    expect(
      threadOf(INIT).map(({ first: note }) => [note.position?.new_line, note.position?.head_sha]),
    ).toEqual([['4', pushed]]);
    expect(threads()).toHaveLength(3);

    // drydock's own merge request is not reviewed from its event: it was reviewed before it was delivered.
    await h.store.linkSession(forgeKey(REPO, 8, 'pull'), first.id, { pull: 8 });
    const own = await deliver(
      'Merge Request Hook',
      fixture('merge-request-opened', (p) => {
        p.object_attributes.iid = 8;
      }),
    );
    expect(own).toMatchObject({
      outcome: 'ignored: a drydock pull request (reviewed before delivery)',
      sessionId: null,
    });
  });

  it('with review off a merge request starts nothing, a Reporter is refused visibly, a Developer’s @drydock review note reviews', async () => {
    await registerProject(false);
    const sha = pushMr('low', 'Add range()');
    // GitLab's diff disagrees with drydock's about line 1: it refuses a discussion there, after line 8's.
    mr.diffLines = { 'src/range.js': [2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
    h.scripts.demo = { reviewer: firstReview() };
    const opened = await deliver('Merge Request Hook', mrEvent('merge-request-opened'));
    expect(opened).toMatchObject({
      outcome: `ignored: reviewing pull requests is off for ${REPO}`,
      sessionId: null,
    });

    const refused = await deliver('Note Hook', noteEvent('@drydock review', 'rita'));
    expect(refused).toMatchObject({ outcome: 'ignored: rita has no write access', sessionId: null });
    expect(plainNotes().map((note) => note.body)).toEqual([
      '@rita drydock takes work only from members with the Developer role or above on this project.',
    ]);
    expect(await h.store.listSessions()).toEqual([]);

    const asked = await deliver('Note Hook', noteEvent('@drydock review', 'alice'));
    expect(asked.outcome).toBe('review_started');
    const session = await ended(asked.sessionId!);
    expect(session).toMatchObject({ kind: 'review', state: 'delivered', headCommit: sha });
    expect(session.createdBy).toMatchObject({ id: 'gitlab:alice' });
    // One line refused: no discussion is left half posted, and every finding is in the one summary.
    expect(project.discussions).toEqual([]);
    const notes = plainNotes().map((note) => note.body);
    expect(notes).toHaveLength(3);
    expect(notes[1]).toBe(
      `drydock is reviewing ${sha.slice(0, 12)}: https://drydock.example/sessions/${session.id}`,
    );
    for (const explanation of [WRONG_MAX, NAN_DOC, MEAN_SKIPS]) expect(notes[2]).toContain(explanation);
  });

  it('@drydock fix this in a finding’s discussion pushes the fix onto the merge request branch; on a fork that forbids it, says why', async () => {
    await registerProject(true);
    const sha = pushMr('low', 'Add range()');
    h.scripts.demo = { reviewer: firstReview() };
    const reviewed = await ended(
      (await deliver('Merge Request Hook', mrEvent('merge-request-opened'))).sessionId!,
    );
    const [wrongMax] = threadOf(WRONG_MAX);

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
    // A Reporter may not ask for a fix either.
    const rita = await deliver('Note Hook', noteEvent('@drydock fix this', 'rita', wrongMax!.thread.id));
    expect(rita).toMatchObject({ outcome: 'ignored: rita has no write access', sessionId: null });
    expect(plainNotes().at(-1)!.body).toContain('@rita drydock takes work only from members');

    const fix = await deliver('Note Hook', noteEvent('@drydock fix this', 'alice', wrongMax!.thread.id));
    expect(fix.outcome).toBe('started');
    const started = (await h.store.getSession(fix.sessionId!))!;
    expect(started.baseCommit).toBe(sha);
    expect(started.task).toContain(WRONG_MAX);
    expect(started.task).toContain('src/range.js:8');
    expect(started.task).toContain(`Merge request: ${gitlab.url}/${PROJECT}/-/merge_requests/${IID}`);
    expect(started.createdBy).toMatchObject({ id: 'gitlab:alice' });
    expect(findForgeLink(await h.store.listLinks({ sessionId: started.id }))?.data).toMatchObject({
      pull: IID,
      pushTo: { repo: REPO, branch: 'feature' },
    });
    expect(threadOf(WRONG_MAX)[0]!.replies.at(-1)!.body).toBe(
      `drydock is fixing this on feature: https://drydock.example/sessions/${started.id}`,
    );

    const done = await ended(started.id);
    expect(done.state).toBe('delivered');
    expect(git(bare, 'rev-parse', 'refs/heads/feature')).toBe(done.headCommit);
    expect(git(bare, 'rev-parse', `${done.headCommit}^`)).toBe(sha);
    expect(git(bare, 'show', `${done.headCommit}:src/range.js`)).toBe(RANGE('high').trim());
    expect(project.mergeRequests).toHaveLength(1);
    expect(plainNotes().at(-1)!.body).toContain(`drydock pushed ${done.headCommit!.slice(0, 12)} to feature`);

    // drydock's own push (GitLab names drydock as the user) is reviewed again, and the fixed finding resolved.
    git(bare, 'update-ref', `refs/merge-requests/${IID}/head`, done.headCommit!);
    newVersion(done.headCommit!);
    h.scripts.demo = {
      reviewer: submit('The maximum is right now.', [
        { file: 'src/range.js', line: 1, severity: 'nit', explanation: NAN_DOC },
      ]),
    };
    const again = await deliver('Merge Request Hook', mrEvent('merge-request-updated', 'drydock'));
    expect(again.outcome).toBe('review_started');
    expect(await ended(again.sessionId!)).toMatchObject({ state: 'delivered', headCommit: done.headCommit });
    expect(threadOf(WRONG_MAX)[0]!.thread.resolved).toBe(true);
    // The first review's finding is recorded acted on twice, fixed then gone (analytics count it once).
    const actedOn = (await h.store.listEvents(reviewed.id))
      .map((event) => event.data)
      .filter((data) => data.type === 'review.findings_resolved');
    expect(actedOn.map((data) => [data.how, data.by, data.commit, data.keys.length])).toEqual([
      ['fixed', started.id, done.headCommit, 1],
      ['gone', again.sessionId, done.headCommit, 1],
    ]);

    // The same request on a fork's merge request whose author does not allow commits from members: an answer.
    const fork = gitlab.addProject('someone/app');
    mr.sourceProjectId = fork.id;
    mr.allowCollaboration = false;
    const sessions = (await h.store.listSessions()).length;
    const forked = await deliver('Note Hook', noteEvent('@drydock fix this', 'alice', wrongMax!.thread.id));
    expect(forked.outcome).toMatch(/^ignored: .*gitlab:someone\/app.*does not allow commits from members/);
    expect((await h.store.listSessions()).length).toBe(sessions);
    expect(threadOf(WRONG_MAX)[0]!.replies.at(-1)!.body).toMatch(
      /^drydock cannot fix this here: .*Allow commits from members who can merge to the target branch on the merge request/,
    );
  });
});
