import type { EvalGrading, EvalInstanceWrite } from '../../src/core/eval.ts';
import type { Store } from '../../src/core/ports/store.ts';
import { newEvalInstance, newEvalRun } from '../../src/store/eval-store-contract.ts';
import { newSession } from '../../src/store/store-contract.ts';

const passed = (failToPass: number, passToPass: number): EvalGrading => ({
  resolved: true,
  failToPass: { passed: failToPass, total: failToPass },
  passToPass: { passed: passToPass, total: passToPass },
  notPassing: [],
  error: null,
  durationMs: 1200,
});

/**
 * Two evaluation runs in `store`, for the API and web UI tests: `eval-old` (oracle, one resolved instance) and
 * `eval-new` (five instances on two repositories: resolved, a bad delivery, bowed out, failed, pending),
 * each finished instance with a session of its own in the store.
 */
export async function seedEvalRuns(
  store: Store,
): Promise<{ old: EvalInstanceWrite[]; latest: EvalInstanceWrite[] }> {
  await store.createEvalRun(
    newEvalRun('eval-old', { name: 'oracle-check', model: 'oracle', state: 'finished', total: 1 }),
  );
  // Created a moment later, so "newest first" does not rest on a tie of timestamps.
  await new Promise((resolve) => setTimeout(resolve, 5));
  await store.createEvalRun(
    newEvalRun('eval-new', {
      name: 'swe-mini',
      model: 'anthropic:claude-sonnet-4-5',
      state: 'running',
      total: 5,
    }),
  );
  const old = [
    newEvalInstance('eval-old', 'acme__app-1', {
      status: 'delivered',
      sessionId: 'sess-o1',
      resolved: true,
      grading: passed(1, 4),
      steps: 3,
      usage: { inputTokens: 1000, outputTokens: 100, costUsd: 0 },
      wallMs: 20_000,
    }),
  ];
  const latest = [
    newEvalInstance('eval-new', 'acme__app-1', {
      status: 'delivered',
      sessionId: 'sess-n1',
      resolved: true,
      grading: passed(2, 10),
      steps: 12,
      usage: { inputTokens: 120_000, outputTokens: 8_000, costUsd: 0.5 },
      wallMs: 60_000,
    }),
    newEvalInstance('eval-new', 'acme__app-2', {
      status: 'delivered',
      sessionId: 'sess-n2',
      resolved: false,
      grading: {
        resolved: false,
        failToPass: { passed: 1, total: 1 },
        passToPass: { passed: 9, total: 10 },
        notPassing: ['test/mean.test.js > mean of one'],
        error: null,
        durationMs: 900,
      },
      steps: 20,
      usage: { inputTokens: 200_000, outputTokens: 9_000, costUsd: 0.75 },
      wallMs: 90_000,
    }),
    newEvalInstance('eval-new', 'acme__lib-7', {
      repo: 'acme/lib',
      status: 'bowed_out',
      sessionId: 'sess-n3',
      resolved: false,
      reason: 'the gate kept failing on test/parse.test.js',
      steps: 30,
      usage: { inputTokens: 300_000, outputTokens: 10_000, costUsd: 0.25 },
      wallMs: 120_000,
    }),
    newEvalInstance('eval-new', 'acme__lib-8', {
      repo: 'acme/lib',
      status: 'failed',
      sessionId: 'sess-n4',
      resolved: false,
      reason: 'model error: 529 overloaded',
      steps: 1,
      usage: { inputTokens: 1_000, outputTokens: 0, costUsd: 0 },
      wallMs: 5_000,
    }),
    newEvalInstance('eval-new', 'acme__lib-9', { repo: 'acme/lib' }),
  ];
  for (const instance of [...old, ...latest]) {
    if (instance.sessionId !== null) {
      await store.createSession(
        newSession(instance.sessionId, {
          task: `Eval ${instance.instanceId}`,
          repo: instance.repo,
          state: instance.status === 'pending' || instance.status === 'running' ? 'queued' : instance.status,
        }),
      );
    }
    await store.saveEvalInstance(instance);
  }
  return { old, latest };
}
