import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { ModelRouter } from '../src/core/ports/models.ts';
import type { Store } from '../src/core/ports/store.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import type { ScriptedModel } from '../src/models/scripted-model.ts';
import { readCheckpoint } from '../src/sessions/checkpoint-schema.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { type BubblewrapSessions, bubblewrapSessions, eventsOfType } from './support/bubblewrap-sessions.ts';

const edit = (oldText: string, newText: string): ScriptTurn => ({
  toolCalls: [{ name: 'edit_file', input: { path: 'src/stats.js', oldText, newText } }],
});
const FIX_LOOP = edit('for (let i = 1; i < numbers.length; i++)', 'for (let i = 0; i < numbers.length; i++)');
/** A wrong change: the empty-list test, which passed on the base commit, fails with it. */
const BREAK_EMPTY = edit('if (numbers.length === 0) return 0;', 'if (numbers.length === 0) return NaN;');
const UNBREAK_EMPTY = edit('if (numbers.length === 0) return NaN;', 'if (numbers.length === 0) return 0;');
const finish = (summary: string): ScriptTurn => ({ toolCalls: [{ name: 'finish', input: { summary } }] });
const ask = (question: string, files?: string[]): ScriptTurn => ({
  toolCalls: [{ name: 'ask_friend', input: { question, ...(files ? { files } : {}) } }],
});
const APPROVE: ScriptTurn = {
  toolCalls: [{ name: 'submit_review', input: { summary: 'Correct and minimal.', findings: [] } }],
};

const LOOP_ADVICE = 'The loop starts at index 1 and skips the first number: start it at 0.';
const GATE_ADVICE = 'Stop changing the empty-list case: it was right. The bug is the loop bound.';

/** The smart friend in whole sessions: real git and bubblewrap, scripted models keyed by role. */
describe('the smart friend in a session', () => {
  let sessions: BubblewrapSessions;
  let store: Store;
  let deps: SessionDeps;
  let repo: string;
  let scripts: Record<string, Script>;
  /** Every router the deps built, with the specs it was built for. */
  let routers: Array<{ spec: string; friend: string | undefined; router: ModelRouter }>;
  const ids: string[] = [];

  beforeEach(async () => {
    sessions = await bubblewrapSessions('drydock-friend-');
    scripts = {};
    ({ store, deps } = await sessions.open({ idPrefix: 'f', scripts }));
    const build = deps.models;
    routers = [];
    deps.models = (spec, friend) => {
      const router = build(spec, friend);
      routers.push({ spec, friend, router });
      return router;
    };
    repo = join(sessions.dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
  });

  afterEach(async () => {
    await sessions.close(ids.splice(0));
  });

  /** The scripted model a role used in the session's last run. */
  const model = (role: 'coder' | 'friend') => routers.at(-1)?.router.resolve(role).model as ScriptedModel;

  it("gives the coder ask_friend: the friend's answer reaches it, the consult is an event, and the PR names the friend's share", async () => {
    scripts.friendly = {
      coder: [ask('Why is mean() wrong?', ['src/stats.js']), FIX_LOOP, finish('Started the loop at 0.')],
      friend: [{ text: LOOP_ADVICE }],
      reviewer: [APPROVE],
    };
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:friendly',
      friendModel: 'script:friendly',
    });
    ids.push(created.id);
    expect((await store.getSession(created.id))?.friendModel).toBe('script:friendly');

    const session = await runSession(deps, created.id);
    expect({ state: session.state, reason: session.reason }).toEqual({ state: 'delivered', reason: null });

    // The friend saw the task, the question and the file; the coder read the answer next.
    const friendPrompt = JSON.stringify(model('friend').calls[0]?.prompt);
    expect(friendPrompt).toContain('Why is mean() wrong?');
    expect(friendPrompt).toContain('for (let i = 1; i < numbers.length; i++)');
    expect(friendPrompt).toContain(DEMO_TASK);
    const coder = model('coder');
    expect(JSON.stringify(coder.calls[0]?.prompt)).toContain('ask_friend');
    expect(JSON.stringify(coder.calls[1]?.prompt)).toContain(LOOP_ADVICE);

    const events = await store.listEvents(created.id);
    expect(eventsOfType(events, 'session.created')[0]?.friendModel).toBe('script:friendly');
    expect(eventsOfType(events, 'friend.consulted')).toEqual([
      expect.objectContaining({
        trigger: 'tool',
        model: 'script:friendly',
        question: 'Why is mean() wrong?',
        files: ['src/stats.js'],
        answer: LOOP_ADVICE,
      }),
    ]);
    const checkpoint = await readCheckpoint(store, created.id);
    expect(checkpoint?.friend).toMatchObject({ consults: 1 });
    const artifacts = await store.listArtifacts(created.id);
    const pr = artifacts.find((artifact) => artifact.name === 'pull-request.md');
    const description = (await store.getArtifact(pr!.id))?.content;
    expect(description).toContain('for 1 consult of the friend (model script:friendly)');
  }, 120_000);

  it('has no ask_friend, and says nothing of a friend, when the session has none', async () => {
    scripts.alone = {
      coder: [FIX_LOOP, finish('Started the loop at 0.')],
      friend: [{ text: 'never asked' }],
      reviewer: [APPROVE],
    };
    const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:alone' });
    ids.push(created.id);
    const session = await runSession(deps, created.id);
    expect(session.state).toBe('delivered');
    expect(routers.at(-1)?.friend).toBeUndefined();
    const first = model('coder').calls[0];
    const tools = (first?.tools ?? []).map((tool) => tool.name);
    expect(tools).toContain('edit_file');
    expect(tools).not.toContain('ask_friend');
    expect(JSON.stringify(first?.prompt)).not.toContain('ask_friend');
    expect(model('friend').calls).toHaveLength(0);
    expect(eventsOfType(await store.listEvents(created.id), 'friend.consulted')).toEqual([]);
  }, 120_000);

  it("consults the friend once after the gate failed twice in a row, and its advice is in the coder's next prompt", async () => {
    scripts.stuck = {
      coder: [
        BREAK_EMPTY,
        finish('first try'),
        finish('second try'),
        finish('third try'),
        UNBREAK_EMPTY,
        FIX_LOOP,
        finish('Started the loop at 0 and left the empty case alone.'),
      ],
      friend: [{ text: GATE_ADVICE }, { text: 'a second consult must not happen' }],
      reviewer: [APPROVE],
    };
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:stuck',
      friendModel: 'script:stuck',
    });
    ids.push(created.id);
    const session = await runSession(deps, created.id);
    expect({ state: session.state, reason: session.reason }).toEqual({ state: 'delivered', reason: null });

    const events = await store.listEvents(created.id);
    expect(eventsOfType(events, 'gate.verdict').map((verdict) => verdict.passed)).toEqual([
      false,
      false,
      false,
      true,
    ]);
    const consulted = eventsOfType(events, 'friend.consulted');
    expect(consulted).toEqual([
      expect.objectContaining({ trigger: 'gate', round: 2, model: 'script:stuck', answer: GATE_ADVICE }),
    ]);
    expect(consulted[0]?.question).toContain('failed 2 times in a row');
    // The friend was shown the change.
    expect(JSON.stringify(model('friend').calls[0]?.prompt)).toContain('return NaN');
    expect(model('friend').calls).toHaveLength(1);
    // After round 1 the coder got the failures alone; after round 2 the failures and the advice.
    const prompts = model('coder').calls.map((call) => JSON.stringify(call.prompt));
    expect(prompts[2]).not.toContain(GATE_ADVICE);
    expect(prompts[3]).toContain(GATE_ADVICE);
    const checkpoint = await readCheckpoint(store, created.id);
    expect(checkpoint?.gate).toMatchObject({ friendAdvised: true, failedInARow: 0 });
    expect(checkpoint?.friend).toMatchObject({ consults: 1 });
  }, 180_000);

  it('keeps its friend and its tally when another run resumes it', async () => {
    scripts.resumed = {
      coder: [
        ask('Where is the bug?'),
        ask('And the empty case?'),
        FIX_LOOP,
        finish('Started the loop at 0.'),
      ],
      friend: [{ text: LOOP_ADVICE }],
      reviewer: [APPROVE],
    };
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:resumed',
      friendModel: 'script:resumed',
    });
    ids.push(created.id);
    routers.length = 0;
    const stop = new AbortController();
    const stopped = await runSession(deps, created.id, {
      handOff: stop.signal,
      onEvent: (event) => {
        if (event.data.type === 'friend.consulted') stop.abort();
      },
    });
    expect(stopped.state).toBe('working');

    // Another worker, with one consult allowed: the friend comes from the session, the tally from its checkpoint.
    deps.budget = { ...deps.budget, maxFriendConsults: 1 };
    const resumed = await runSession(deps, created.id);
    expect(resumed.state).toBe('delivered');
    expect(routers.map((built) => built.friend)).toEqual(['script:resumed', 'script:resumed']);
    const events = await store.listEvents(created.id);
    expect(eventsOfType(events, 'friend.consulted')).toHaveLength(1);
    const answers = eventsOfType(events, 'tool.result').filter((result) => result.tool === 'ask_friend');
    expect(answers.map((result) => result.output)).toEqual([
      expect.stringContaining(LOOP_ADVICE),
      expect.stringContaining("The friend's budget for this session is spent (all 1 consults are used)"),
    ]);
    // The resumed run still offered ask_friend.
    expect((model('coder').calls[0]?.tools ?? []).map((tool) => tool.name)).toContain('ask_friend');
  }, 180_000);
});
