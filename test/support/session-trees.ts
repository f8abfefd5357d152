import type { AttemptEvidence, AttemptsChoice } from '../../src/core/attempts.ts';
import type { EventData } from '../../src/core/events.ts';
import type { Store } from '../../src/core/ports/store.ts';
import type { Session } from '../../src/core/session.ts';
import { newSession } from '../../src/store/store-contract.ts';

export const TASK = 'Fix `mean()` on an empty list';
export const WINNER_REASON = 'the only attempt that fixed the failing test without breaking another';
export const JUDGE_VERDICT = 'Attempt 2 fixes the cause rather than the symptom.';

export const at = (minutes: number) => new Date(Date.now() - (120 - minutes) * 60_000).toISOString();

export const verdict = (passed: boolean, problems: string[] = []): EventData => ({
  type: 'gate.verdict',
  round: 1,
  passed,
  problems,
  warnings: [],
  failToPass: passed ? ['test/stats.test.js > mean of nothing'] : [],
  passToPass: 4,
});

const evidence = (
  sessionId: string,
  model: string,
  overrides: Partial<AttemptEvidence>,
): AttemptEvidence => ({
  sessionId,
  model,
  state: 'delivered',
  candidate: true,
  why: 'passed the gate and the review',
  failToPass: 1,
  passToPass: 4,
  regressions: 0,
  findings: { critical: 0, major: 0, minor: 0, nit: 0 },
  diff: { files: 1, insertions: 3, deletions: 1 },
  costUsd: 0.05,
  ...overrides,
});

/**
 * Seeds the session trees the web tree tests look at, as the engine writes them (sessions, their logs, the
 * parent's child.* and attempts.chosen events): `best-of-3` (three attempts, one winner), `none-qualified`
 * (two attempts, both bowed out), `boss` (a manager working on two children) and `plain`, on `repo`.
 */
export async function seedSessionTrees(store: Store, repo: string): Promise<void> {
  /** Creates a child of `parentId` and records its spawn on the parent's log. */
  const seedChild = async (
    parentId: string,
    kind: 'attempt' | 'child',
    child: Partial<Session> & { id: string; model: string },
    events: EventData[] = [],
  ) => {
    await store.createSession(newSession(child.id, { repo, task: TASK, kind, parentId, ...child }));
    await store.record(parentId, {
      events: [
        { type: 'child.spawned', childId: child.id, kind, task: child.task ?? TASK, model: child.model },
      ],
    });
    if (events.length > 0) await store.record(child.id, { events });
  };

  const usage = (costUsd: number) => ({ inputTokens: 1000, outputTokens: 200, costUsd });

  // Best of three: one regressed a passing test, one fixed it (the winner), one deleted the failing test.
  const models = ['script:regresses', 'openai:gpt-5-mini', 'script:deletes-test'];
  await store.createSession(
    newSession('best-of-3', {
      repo,
      task: TASK,
      kind: 'attempts',
      attemptModels: models,
      state: 'delivered',
      branch: 'drydock/fix-mean-best-of-3',
      summary: 'Attempt 2 delivered.',
      createdAt: at(10),
      usage: usage(0.31),
    }),
  );
  await seedChild(
    'best-of-3',
    'attempt',
    {
      id: 'try-regress',
      model: models[0] ?? '',
      state: 'bowed_out',
      createdAt: at(11),
      usage: usage(0.08),
    },
    [
      { type: 'agent.stopped', step: 5, outcome: 'finished', detail: 'changed the loop' },
      verdict(false, ['npm test: broke tests that passed before: median of one']),
      { type: 'delivery.committed', commit: 'a1', filesChanged: 1, insertions: 2, deletions: 2 },
    ],
  );
  await seedChild(
    'best-of-3',
    'attempt',
    { id: 'try-fix', model: models[1] ?? '', state: 'delivered', createdAt: at(12), usage: usage(0.12) },
    [
      { type: 'agent.stopped', step: 6, outcome: 'finished', detail: 'guarded the empty list' },
      verdict(true),
      {
        type: 'review.completed',
        round: 1,
        approved: true,
        summary: 'good',
        findings: [
          { id: 'f1', round: 1, file: 'src/stats.js', severity: 'nit', explanation: 'name the constant' },
        ],
      },
      { type: 'delivery.committed', commit: 'b2', filesChanged: 2, insertions: 7, deletions: 1 },
    ],
  );
  await seedChild(
    'best-of-3',
    'attempt',
    { id: 'try-delete', model: models[2] ?? '', state: 'bowed_out', createdAt: at(13), usage: usage(0.11) },
    [
      { type: 'agent.stopped', step: 3, outcome: 'finished', detail: 'removed the test' },
      verdict(false, ['deleted a test: test/stats.test.js']),
    ],
  );
  const won: AttemptsChoice = {
    winnerId: 'try-fix',
    reason: WINNER_REASON,
    ranking: [
      evidence('try-fix', models[1] ?? '', {
        findings: { critical: 0, major: 0, minor: 0, nit: 1 },
        diff: { files: 2, insertions: 7, deletions: 1 },
      }),
      evidence('try-regress', models[0] ?? '', {
        candidate: false,
        state: 'bowed_out',
        why: 'regressed 1 test that passed before',
        regressions: 1,
      }),
      evidence('try-delete', models[2] ?? '', {
        candidate: false,
        state: 'bowed_out',
        why: 'deleted the failing test instead of fixing it',
        failToPass: 0,
        diff: null,
      }),
    ],
    judge: { model: 'script:judge', verdict: JUDGE_VERDICT },
  };
  await store.record('best-of-3', {
    events: [
      { type: 'child.ended', childId: 'try-regress', state: 'bowed_out', reason: 'the gate failed' },
      { type: 'child.ended', childId: 'try-fix', state: 'delivered', reason: null },
      { type: 'child.ended', childId: 'try-delete', state: 'bowed_out', reason: 'the gate failed' },
      { type: 'attempts.chosen', ...won },
    ],
  });

  // Two attempts, neither good: the parent bows out.
  await store.createSession(
    newSession('none-qualified', {
      repo,
      task: 'Make the importer handle every CSV dialect',
      kind: 'attempts',
      attemptModels: ['script:a', 'script:a'],
      state: 'bowed_out',
      reason: 'no attempt qualified',
      createdAt: at(20),
    }),
  );
  await seedChild('none-qualified', 'attempt', {
    id: 'nq-1',
    model: 'script:a',
    state: 'bowed_out',
    reason: 'the gate failed 3 times',
    createdAt: at(21),
  });
  await seedChild('none-qualified', 'attempt', {
    id: 'nq-2',
    model: 'script:a',
    state: 'bowed_out',
    reason: 'gave up',
    createdAt: at(22),
  });
  await store.record('none-qualified', {
    events: [
      {
        type: 'attempts.chosen',
        winnerId: null,
        reason: 'no attempt passed the gate and the review',
        ranking: [
          evidence('nq-1', 'script:a', {
            candidate: false,
            state: 'bowed_out',
            why: 'still failing: importer reads semicolons',
          }),
          evidence('nq-2', 'script:a', {
            candidate: false,
            state: 'bowed_out',
            why: 'gave up: no tests run',
          }),
        ],
      },
    ],
  });

  // A manager at work on two children.
  await store.createSession(
    newSession('boss', {
      repo,
      task: 'Split the report module and add CSV export',
      kind: 'manager',
      state: 'working',
      createdAt: at(30),
    }),
  );
  await seedChild('boss', 'child', {
    id: 'part-split',
    task: 'Split report.js into parse and render',
    model: 'script:demo',
    state: 'working',
    createdAt: at(31),
  });
  await seedChild('boss', 'child', {
    id: 'part-csv',
    task: 'Add CSV export to render',
    model: 'script:demo',
    state: 'queued',
    createdAt: at(32),
  });
  await store.createSession(
    newSession('plain', {
      repo,
      task: 'Bump the parser',
      state: 'delivered',
      createdAt: at(40),
    }),
  );
}
