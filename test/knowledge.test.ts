import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { ModelRouter } from '../src/core/ports/models.ts';
import type { Store } from '../src/core/ports/store.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import type { ScriptedModel } from '../src/models/scripted-model.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { localOperator } from '../src/sessions/local-operator.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { type BubblewrapSessions, bubblewrapSessions, eventsOfType } from './support/bubblewrap-sessions.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

const edit = (oldText: string, newText: string): ScriptTurn => ({
  toolCalls: [{ name: 'edit_file', input: { path: 'src/stats.js', oldText, newText } }],
});
const FIX_LOOP = edit('for (let i = 1; i < numbers.length; i++)', 'for (let i = 0; i < numbers.length; i++)');
const BREAK_EMPTY = edit('if (numbers.length === 0) return 0;', 'if (numbers.length === 0) return NaN;');
const UNBREAK_EMPTY = edit('if (numbers.length === 0) return NaN;', 'if (numbers.length === 0) return 0;');
const finish = (summary: string): ScriptTurn => ({ toolCalls: [{ name: 'finish', input: { summary } }] });
const APPROVE: ScriptTurn = {
  toolCalls: [{ name: 'submit_review', input: { summary: 'Correct and minimal.', findings: [] } }],
};

/**
 * Knowledge that accumulates, end to end (real git, bubblewrap, SQLite; scripted models; the CLI
 * spawned on the same data directory): a session proposes, a person approves with `drydock knowledge`,
 * a later session's coder and reviewer are sent the item with its provenance; an irrelevant item is
 * not sent, and an item whose file was deleted is flagged stale and not sent.
 */
describe('repository knowledge across sessions', () => {
  let sessions: BubblewrapSessions;
  let store: Store;
  let deps: SessionDeps;
  let repo: string;
  let scripts: Record<string, Script>;
  let routers: ModelRouter[];
  const ids: string[] = [];

  const cli = (...args: string[]) => {
    const result = spawnSync(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', BIN, 'knowledge', ...args],
      {
        encoding: 'utf8',
        cwd: repo,
        env: { PATH: process.env.PATH ?? '', HOME: sessions.dir, DRYDOCK_HOME: sessions.home },
        timeout: 60_000,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return result.stdout;
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
  const model = (role: 'coder' | 'reviewer') => routers.at(-1)?.resolve(role).model as ScriptedModel;

  beforeEach(async () => {
    sessions = await bubblewrapSessions('drydock-knowledge-');
    scripts = {};
    ({ store, deps } = await sessions.open({ idPrefix: 'k', scripts }));
    const build = deps.models;
    routers = [];
    deps.models = (spec, friend) => {
      const router = build(spec, friend);
      routers.push(router);
      return router;
    };
    repo = join(sessions.dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
  });

  afterEach(async () => {
    await sessions.close(ids.splice(0));
  });

  async function run(script: Script) {
    scripts.current = script;
    const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:current' });
    ids.push(created.id);
    const ended = await runSession(deps, created.id);
    return { session: ended, events: await store.listEvents(ended.id) };
  }

  it('proposes from a fixed gate failure, and after approval a later session is given it with provenance', async () => {
    // Known before any session: a note about a file the repository has now (deleted before the second
    // session), and one about something else entirely.
    await mkdir(join(repo, 'docs'));
    await writeFile(join(repo, 'docs', 'mean.md'), 'How mean() is computed.\n');
    git('add', 'docs/mean.md');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'docs');
    const addedNote = cli(
      'add',
      '--repo',
      '.',
      '--title',
      'mean() rounding notes',
      '--body',
      'docs/mean.md explains how mean() in stats.js rounds.',
      '--kind',
      'convention',
      '--file',
      'docs/mean.md',
    );
    const noteId = /^added (\S+):/.exec(addedNote)?.[1] ?? '';
    cli(
      'add',
      '--repo',
      repo,
      '--title',
      'Billing amounts are in cents',
      '--body',
      'Never use floats for money.',
    );
    const billingId = (await store.listKnowledge({ status: 'approved' })).find((item) =>
      item.title.startsWith('Billing'),
    )?.id;

    // The first session breaks the empty-list test, sees the gate fail, and fixes it.
    const first = await run({
      coder: [
        BREAK_EMPTY,
        FIX_LOOP,
        finish('Fixed mean.'),
        UNBREAK_EMPTY,
        finish('Fixed mean, empty case kept.'),
      ],
      reviewer: [APPROVE],
    });
    expect(first.session.state).toBe('delivered');
    expect(eventsOfType(first.events, 'knowledge.retrieved')).toEqual([
      { type: 'knowledge.retrieved', role: 'coder', ids: [noteId], stale: [] },
      { type: 'knowledge.retrieved', role: 'reviewer', ids: [noteId], stale: [] },
    ]);
    const [proposed] = eventsOfType(first.events, 'knowledge.proposed');
    expect(proposed?.ids.length).toBeGreaterThan(0);
    const pending = await store.listKnowledge({ repo, status: 'pending' });
    expect(pending.map((item) => item.id)).toEqual(proposed?.ids);
    const pitfall = pending.find((item) => item.kind === 'pitfall');
    expect(pitfall).toMatchObject({ source: first.session.id, files: ['src/stats.js'] });
    expect(pitfall?.title).toBe('`node --test` failed after changes to `src/stats.js`');
    expect(pitfall?.body).toContain('mean of an empty list is 0');
    expect(pending.find((item) => item.kind === 'setup')?.body).toContain('node --test');

    // A person approves the pitfall and rejects the rest; the listing shows what is pending.
    expect(cli('list', '--repo', repo, '--status', 'pending')).toContain(pitfall?.id);
    expect(cli('approve', pitfall?.id ?? '')).toContain(`approved ${pitfall?.id}`);
    for (const item of pending.filter((each) => each.id !== pitfall?.id)) cli('reject', item.id);
    expect((await store.getKnowledge(pitfall?.id ?? ''))?.decidedBy).toBe(localOperator().name);

    // The note's file is deleted before the second session.
    git('rm', '--quiet', 'docs/mean.md');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-m', 'no docs');

    const second = await run({ coder: [FIX_LOOP, finish('Started the loop at 0.')], reviewer: [APPROVE] });
    expect(second.session.state).toBe('delivered');
    const [coderRetrieval, reviewerRetrieval] = eventsOfType(second.events, 'knowledge.retrieved');
    expect(coderRetrieval).toEqual({
      type: 'knowledge.retrieved',
      role: 'coder',
      ids: [pitfall?.id],
      stale: [noteId],
    });
    expect(reviewerRetrieval?.ids).toEqual([pitfall?.id]);

    // What the models were actually sent.
    const coderPrompt = JSON.stringify(model('coder').calls[0]?.prompt);
    expect(coderPrompt).toContain('# Repository knowledge');
    expect(coderPrompt).toContain(JSON.stringify(pitfall?.title).slice(1, -1));
    expect(coderPrompt).toContain(`from session ${first.session.id}, approved by ${localOperator().name}`);
    expect(coderPrompt).not.toContain('Billing amounts are in cents');
    expect(coderPrompt).not.toContain('mean() rounding notes');
    const reviewerPrompt = JSON.stringify(model('reviewer').calls[0]?.prompt);
    expect(reviewerPrompt).toContain(`from session ${first.session.id}, approved by ${localOperator().name}`);

    // The stale note is flagged for people, and the CLI says so.
    expect((await store.getKnowledge(noteId))?.staleFiles).toEqual(['docs/mean.md']);
    expect(cli('list', '--repo', repo)).toMatch(new RegExp(`${noteId}  approved STALE`));
    expect(billingId).toBeDefined();
    // Nothing new to propose: the second session's lessons repeat what is known (or found nothing).
    const again = eventsOfType(second.events, 'knowledge.proposed').flatMap((event) => event.ids);
    const titles = (await store.listKnowledge({ repo })).map((item) => item.title);
    expect(new Set(titles).size).toBe(titles.length);
    expect(again.every((id) => !pending.some((item) => item.id === id))).toBe(true);
  }, 240_000);

  it('delivers anyway when knowledge cannot be read or written, and logs why', async () => {
    const failures: Array<{ message: string; sessionId: string }> = [];
    deps.knowledge = { onError: (error, sessionId) => failures.push({ message: String(error), sessionId }) };
    store.listKnowledge = async () => {
      throw new Error('the knowledge table is unreadable');
    };
    const { session, events } = await run({
      coder: [FIX_LOOP, finish('Started the loop at 0.')],
      reviewer: [APPROVE],
    });
    expect(session.state).toBe('delivered');
    expect(eventsOfType(events, 'knowledge.retrieved')).toEqual([]);
    expect(eventsOfType(events, 'knowledge.proposed')).toEqual([]);
    // Retrieval for the coder and the reviewer, and the proposal at the end: each logged, none raised.
    expect(failures).toHaveLength(3);
    expect(failures.every((failure) => failure.sessionId === session.id)).toBe(true);
    expect(failures[0]?.message).toContain('the knowledge table is unreadable');
  }, 180_000);
});
