import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { EventData } from '../src/core/events.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET, type Session } from '../src/core/session.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { sendMessage } from '../src/sessions/follow-ups.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { DELETER, FIXER, judgeScript, REGRESSOR } from './support/attempt-scripts.ts';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** A script whose coder sleeps long enough to be cancelled mid-attempt. */
const SLEEPER: Script = {
  coder: [{ toolCalls: [{ name: 'bash', input: { command: 'sleep 30' } }] }],
};

describe('best of N (real git, SQLite, scripted models, bubblewrap)', { timeout: 120_000 }, () => {
  let dir: string;
  let repo: string;
  let store: Store;
  let deps: SessionDeps;
  const scripts: Record<string, Script> = {
    fixer: FIXER,
    fixer2: FIXER,
    regressor: REGRESSOR,
    deleter: DELETER,
    sleeper: SLEEPER,
    judge2: judgeScript(2, 'Attempt 2 says the same in fewer words, and I would merge it.'),
    mute: {},
    notes: {
      coder: [
        {
          toolCalls: [{ name: 'write_file', input: { path: 'NOTES.md', content: 'mean() starts at 0.\n' } }],
        },
        { toolCalls: [{ name: 'finish', input: { summary: 'Added NOTES.md as asked.' } }] },
      ],
      reviewer: [{ toolCalls: [{ name: 'submit_review', input: { summary: 'Fine.', findings: [] } }] }],
    },
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-attempts-'));
    repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    store = await openSqliteStore({
      path: join(dir, 'home', 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('s'),
    });
    deps = {
      store,
      sandboxes: createBubblewrapProvider(),
      models: (spec, friend) =>
        createModelRouter({
          default: spec,
          ...(friend ? { roles: { friend } } : {}),
          env: {},
          cwd: dir,
          scripts,
        }),
      clock: systemClock,
      ids: createSequentialIds('s'),
      home: join(dir, 'home'),
      budget: DEFAULT_BUDGET,
    };
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const branches = () =>
    git(repo, 'branch', '--format=%(refname:short)')
      .split('\n')
      .filter((b) => b !== '');
  const eventsOf = async (id: string): Promise<EventData[]> =>
    (await store.listEvents(id)).map((event) => event.data);
  const childrenOf = (id: string) => store.listSessions({ parentId: id, order: 'oldest' });
  const documentOf = async (id: string, name: string) => {
    const artifact = (await store.listArtifacts(id)).findLast((a) => a.name === name);
    return artifact ? ((await store.getArtifact(artifact.id))?.content ?? '') : '';
  };

  it('of a regressing, a fixing and a test-deleting attempt, delivers the fixing one alone', async () => {
    const before = branches();
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:fixer',
      models: ['script:regressor', 'script:fixer', 'script:deleter'],
    });
    expect(created).toMatchObject({
      kind: 'attempts',
      attemptModels: ['script:regressor', 'script:fixer', 'script:deleter'],
    });
    const parent = await runSession(deps, created.id);
    expect(parent.state, parent.reason ?? '').toBe('delivered');

    const children = await childrenOf(parent.id);
    expect(children.map((c) => [c.model, c.kind, c.parentId])).toEqual([
      ['script:regressor', 'attempt', parent.id],
      ['script:fixer', 'attempt', parent.id],
      ['script:deleter', 'attempt', parent.id],
    ]);
    const [regressor, fixer, deleter] = children as [Session, Session, Session];
    expect(fixer.state).toBe('delivered');
    expect(regressor.state).toBe('bowed_out');
    expect(deleter.state).toBe('bowed_out');

    // One new branch in the user's repository: the parent's, holding exactly the fixer's change.
    const added = branches().filter((b) => !before.includes(b));
    expect(added).toEqual([parent.branch]);
    expect(parent.branch).toMatch(new RegExp(`^drydock/.+-${parent.id}$`));
    expect(git(repo, 'diff', '--name-only', parent.baseCommit!, parent.branch!)).toBe('src/stats.js');
    expect(git(repo, 'show', `${parent.branch}:src/stats.js`)).toContain('for (let i = 0;');
    expect(git(repo, 'show', `${parent.branch}:src/stats.js`)).toContain('return 0;');

    const events = await eventsOf(parent.id);
    const chosen = events.find((e) => e.type === 'attempts.chosen');
    expect(chosen).toMatchObject({ winnerId: fixer.id });
    if (chosen?.type !== 'attempts.chosen') throw new Error('no choice');
    expect(chosen.ranking.map((e) => [e.sessionId, e.candidate])).toEqual([
      [fixer.id, true],
      [regressor.id, false],
      [deleter.id, false],
    ]);
    expect(chosen.ranking[0]).toMatchObject({ failToPass: 1, regressions: 0 });
    expect(chosen.ranking[1]!.regressions).toBe(1);
    expect(chosen.judge).toBeUndefined();
    expect(events.filter((e) => e.type === 'child.spawned')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'child.ended')).toHaveLength(3);
    expect(events).toContainEqual(expect.objectContaining({ type: 'child.integrated', childId: fixer.id }));
    // Delivered without running the gate or the reviewer again.
    const states = events.flatMap((e) => (e.type === 'state.changed' ? [e.to] : []));
    expect(states).toEqual(['provisioning', 'setup', 'working', 'delivering', 'delivered']);
    expect(events.some((e) => e.type === 'gate.verdict' || e.type === 'review.completed')).toBe(false);

    const pr = await documentOf(parent.id, 'pull-request.md');
    expect(pr).toContain('## Attempts');
    expect(pr).toContain('3 attempts ran; 1 attempt passed the gate and the review');
    expect(pr).toContain(`is the only attempt that passed the gate and the review`);
    // The winner's evidence is the PR's: its checks before and after, its FAIL_TO_PASS.
    expect(pr).toMatch(/FAIL_TO_PASS \(now passing\): `[^`]*mean of several numbers`/);
    // Cost rolls up: the parent's usage is its attempts'.
    const refreshed = await Promise.all(children.map((c) => store.getSession(c.id)));
    expect(parent.steps).toBe(refreshed.reduce((sum, c) => sum + (c?.steps ?? 0), 0));
    expect(parent.steps).toBeGreaterThan(0);
  });

  it('bows out with one report naming each attempt and its failure when none qualifies', async () => {
    const before = branches();
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:regressor',
      models: ['script:regressor', 'script:deleter'],
    });
    const parent = await runSession(deps, created.id);
    expect(parent.state).toBe('bowed_out');
    expect(parent.reason).toBe('none of the 2 attempts passed both the gate and the review');
    expect(branches()).toEqual(before);
    const [regressor, deleter] = (await childrenOf(parent.id)) as [Session, Session];
    const report = await documentOf(parent.id, 'report.md');
    expect(report).toContain(`### Attempt 1: \`${regressor.id}\` (script:regressor), bowed out`);
    expect(report).toContain(`### Attempt 2: \`${deleter.id}\` (script:deleter), bowed out`);
    // Each attempt's failure: the gate's problems for both.
    expect(report).toContain('broke tests that passed before: mean of an empty list is 0');
    expect(report).toMatch(/test\/stats\.test\.js/);
    // A follow-up on a bowed-out parent is possible; on an attempt it is refused, naming the parent.
    await expect(sendMessage(store, regressor.id, 'try again')).rejects.toThrow(
      `message the parent session ${parent.id}`,
    );
  });

  it('a tie goes to the judge, whose pick is delivered and whose words are in the PR', async () => {
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:judge2',
      models: ['script:fixer', 'script:fixer2'],
    });
    const parent = await runSession(deps, created.id);
    expect(parent.state, parent.reason ?? '').toBe('delivered');
    const [, second] = (await childrenOf(parent.id)) as [Session, Session];
    const chosen = (await eventsOf(parent.id)).find((e) => e.type === 'attempts.chosen');
    expect(chosen).toMatchObject({
      winnerId: second.id,
      judge: {
        model: 'script:judge2',
        verdict: 'Attempt 2 says the same in fewer words, and I would merge it.',
      },
    });
    const pr = await documentOf(parent.id, 'pull-request.md');
    expect(pr).toContain('Attempt 2 says the same in fewer words, and I would merge it.');
    expect(pr).toContain(`the judge chose ${second.id}`);
    // The judge's steps are in the parent's log, tagged as the judge's.
    expect(await eventsOf(parent.id)).toContainEqual(
      expect.objectContaining({ type: 'tool.call', tool: 'choose_attempt', role: 'judge' }),
    );
  });

  it('a judge that gives no answer leaves the choice to the evidence, and says so', async () => {
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:mute',
      models: ['script:fixer', 'script:fixer2'],
    });
    const parent = await runSession(deps, created.id);
    expect(parent.state, parent.reason ?? '').toBe('delivered');
    const [first] = (await childrenOf(parent.id)) as [Session];
    const chosen = (await eventsOf(parent.id)).find((e) => e.type === 'attempts.chosen');
    expect(chosen).toMatchObject({ winnerId: first.id });
    if (chosen?.type !== 'attempts.chosen') throw new Error('no choice');
    expect(chosen.reason).toContain('the judge failed');
    expect(chosen.judge).toBeUndefined();
  });

  it('a follow-up on a delivered attempts session continues on its branch, on top of the winner', async () => {
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:notes',
      models: ['script:regressor', 'script:fixer'],
    });
    const first = await runSession(deps, created.id);
    expect(first.state, first.reason ?? '').toBe('delivered');
    await sendMessage(store, first.id, 'Also add a NOTES.md saying what you changed.');
    const second = await runSession(deps, first.id);
    expect(second.state, second.reason ?? '').toBe('delivered');
    expect(second.branch).toBe(first.branch);
    expect(git(repo, 'rev-parse', `${second.branch}^`)).toBe(first.headCommit);
    expect(git(repo, 'show', `${second.branch}:NOTES.md`)).toBe('mean() starts at 0.');
    expect(git(repo, 'show', `${second.branch}:src/stats.js`)).toContain('for (let i = 0;');
    // The attempts ran once: the follow-up was the coder's, verified against the winner's baseline.
    const events = await eventsOf(first.id);
    expect(events.filter((e) => e.type === 'child.spawned')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'gate.verdict')).toEqual([
      expect.objectContaining({ passed: true }),
    ]);
    expect((await childrenOf(first.id)).map((c) => c.state)).toEqual(['bowed_out', 'delivered']);
  });

  it('cancelling the parent cancels its running attempts', async () => {
    const created = await createSession(deps, {
      task: DEMO_TASK,
      repo,
      model: 'script:sleeper',
      attempts: 2,
    });
    const controller = new AbortController();
    const running = runSession(deps, created.id, { signal: controller.signal });
    // Both attempts are inside their `sleep 30`.
    for (let i = 0; ; i++) {
      const children = await childrenOf(created.id);
      const sleeping = await Promise.all(
        children.map(async (c) =>
          (await eventsOf(c.id)).some((e) => e.type === 'tool.call' && e.tool === 'bash'),
        ),
      );
      if (children.length === 2 && sleeping.every(Boolean)) break;
      if (i > 400) throw new Error('the attempts never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Date.now();
    controller.abort();
    const parent = await running;
    expect(parent.state).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(15_000);
    const children = await childrenOf(created.id);
    expect(children.map((c) => c.state)).toEqual(['cancelled', 'cancelled']);
  });

  it('refuses attempts and models together, and bad counts, before writing anything', async () => {
    const request = { task: DEMO_TASK, repo, model: 'script:fixer' };
    await expect(
      createSession(deps, { ...request, attempts: 2, models: ['script:fixer', 'script:fixer2'] }),
    ).rejects.toMatchObject({
      code: 'bad_attempts',
      details: { fields: { attempts: expect.any(String), models: expect.any(String) } },
    });
    await expect(createSession(deps, { ...request, attempts: 9 })).rejects.toMatchObject({
      code: 'bad_attempts',
      details: { fields: { attempts: 'between 2 and 8 attempts' } },
    });
    await expect(
      createSession(deps, { ...request, models: ['script:fixer', 'script:nowhere.json'] }),
    ).rejects.toMatchObject({
      code: 'invalid_script',
      details: { fields: { models: expect.stringContaining('script:nowhere.json') } },
    });
    expect(await store.listSessions({})).toEqual([]);
  });
});
