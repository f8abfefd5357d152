import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { EvalGrading, EvalInstanceWrite, NewEvalRun } from '../core/eval.ts';
import type { Store } from '../core/ports/store.ts';
import { ZERO_USAGE } from '../core/session.ts';

export function newEvalRun(id: string, overrides: Partial<NewEvalRun> = {}): NewEvalRun {
  return {
    id,
    name: 'tasks',
    dataset: '/data/tasks.jsonl',
    model: 'anthropic:claude-sonnet-4-5',
    state: 'running',
    total: 3,
    settings: { concurrency: 2, limit: null, filter: null, hints: false, friendModel: null, reasoning: null },
    outDir: '/tmp/eval-out',
    drydockVersion: '0.1.0',
    ...overrides,
  };
}

export function newEvalInstance(
  runId: string,
  instanceId: string,
  overrides: Partial<EvalInstanceWrite> = {},
): EvalInstanceWrite {
  return {
    runId,
    instanceId,
    repo: 'acme/app',
    status: 'pending',
    sessionId: null,
    resolved: null,
    grading: null,
    reason: null,
    steps: 0,
    usage: ZERO_USAGE,
    wallMs: null,
    ...overrides,
  };
}

const GRADING: EvalGrading = {
  resolved: false,
  failToPass: { passed: 2, total: 2 },
  passToPass: { passed: 40, total: 41 },
  notPassing: ['tests/test_api.py::test_list'],
  error: null,
  durationMs: 5321.5,
};

/** Evaluation runs and their instances: part of the Store contract, run inside describeStoreContract. */
export function describeEvalStoreContract(current: () => Store): void {
  describe('evaluation runs', () => {
    it('creates, gets and lists runs newest first, settings and nulls as they were', async () => {
      const store = current();
      const first = await store.createEvalRun(newEvalRun('r1'));
      const second = await store.createEvalRun(
        newEvalRun('r2', {
          name: 'builtin',
          dataset: 'builtin',
          model: 'oracle',
          settings: {
            concurrency: 1,
            limit: 5,
            filter: '^django',
            hints: true,
            friendModel: 'anthropic:claude-opus-4-5',
            reasoning: 'high',
          },
          outDir: null,
        }),
      );
      expect(first).toMatchObject(newEvalRun('r1'));
      expect(first.createdAt).toBe(first.updatedAt);
      expect(Number.isNaN(Date.parse(first.createdAt))).toBe(false);
      expect(await store.getEvalRun('r1')).toEqual(first);
      expect(await store.getEvalRun('r2')).toEqual(second);
      expect(second.settings).toEqual({
        concurrency: 1,
        limit: 5,
        filter: '^django',
        hints: true,
        friendModel: 'anthropic:claude-opus-4-5',
        reasoning: 'high',
      });
      expect(second.outDir).toBeNull();
      expect(await store.getEvalRun('missing')).toBeNull();
      expect((await store.listEvalRuns()).map((run) => run.id)).toEqual(['r2', 'r1']);
    });

    it('refuses a second run with an existing id and keeps the first', async () => {
      const store = current();
      const first = await store.createEvalRun(newEvalRun('r1'));
      const again = store.createEvalRun(newEvalRun('r1', { model: 'null' }));
      await expect(again).rejects.toBeInstanceOf(ConflictError);
      await expect(again).rejects.toMatchObject({ code: 'eval_run_exists' });
      expect(await store.listEvalRuns()).toEqual([first]);
    });

    it("sets a run's state and updatedAt, and refuses an unknown run", async () => {
      const store = current();
      const created = await store.createEvalRun(newEvalRun('r1'));
      const interrupted = await store.setEvalRunState('r1', 'interrupted');
      expect(interrupted).toEqual({ ...created, state: 'interrupted', updatedAt: interrupted.updatedAt });
      expect(interrupted.updatedAt > created.updatedAt).toBe(true);
      expect(await store.getEvalRun('r1')).toEqual(interrupted);
      const finished = await store.setEvalRunState('r1', 'finished');
      expect((await store.getEvalRun('r1'))?.state).toBe('finished');
      expect(finished.createdAt).toBe(created.createdAt);
      const missing = store.setEvalRunState('missing', 'finished');
      await expect(missing).rejects.toBeInstanceOf(NotFoundError);
      await expect(missing).rejects.toMatchObject({ code: 'eval_run_not_found' });
    });
  });

  describe('evaluation instances', () => {
    it('saves and replaces instances, listing them in the order first saved', async () => {
      const store = current();
      await store.createEvalRun(newEvalRun('r1'));
      const pending = await store.saveEvalInstance(newEvalInstance('r1', 'b__1'));
      await store.saveEvalInstance(newEvalInstance('r1', 'a__2', { repo: 'acme/lib' }));
      await store.saveEvalInstance(newEvalInstance('r1', 'c__3'));
      expect(pending).toEqual({ ...newEvalInstance('r1', 'b__1'), updatedAt: pending.updatedAt });

      // The first one ends last: it is replaced in place, not moved to the end.
      const delivered = newEvalInstance('r1', 'b__1', {
        status: 'delivered',
        sessionId: 'session-1',
        resolved: false,
        grading: GRADING,
        steps: 17,
        usage: { inputTokens: 5_000_000_000, outputTokens: 20_000, costUsd: 1.25 },
        wallMs: 93_500.25,
      });
      const saved = await store.saveEvalInstance(delivered);
      expect(saved).toEqual({ ...delivered, updatedAt: saved.updatedAt });
      expect(saved.updatedAt > pending.updatedAt).toBe(true);

      const listed = await store.listEvalInstances('r1');
      expect(listed.map((instance) => instance.instanceId)).toEqual(['b__1', 'a__2', 'c__3']);
      expect(listed[0]).toEqual(saved);
      expect(listed[1]?.repo).toBe('acme/lib');
      expect(await store.listEvalInstances('missing')).toEqual([]);
    });

    it('keeps resolved as true, false or not graded, and a bow-out reason', async () => {
      const store = current();
      await store.createEvalRun(newEvalRun('r1'));
      await store.saveEvalInstance(
        newEvalInstance('r1', 'yes', {
          status: 'delivered',
          resolved: true,
          grading: { ...GRADING, resolved: true, passToPass: { passed: 41, total: 41 }, notPassing: [] },
        }),
      );
      await store.saveEvalInstance(newEvalInstance('r1', 'no', { status: 'failed', resolved: false }));
      await store.saveEvalInstance(
        newEvalInstance('r1', 'out', { status: 'bowed_out', reason: 'the gate kept failing\0 twice' }),
      );
      await store.saveEvalInstance(
        newEvalInstance('r1', 'ungraded', {
          status: 'delivered',
          grading: { ...GRADING, error: 'the test patch did not apply' },
        }),
      );
      const byId = new Map((await store.listEvalInstances('r1')).map((i) => [i.instanceId, i]));
      expect(byId.get('yes')?.resolved).toBe(true);
      expect(byId.get('yes')?.grading?.notPassing).toEqual([]);
      expect(byId.get('no')?.resolved).toBe(false);
      expect(byId.get('no')?.grading).toBeNull();
      expect(byId.get('ungraded')?.resolved).toBeNull();
      expect(byId.get('ungraded')?.grading?.error).toBe('the test patch did not apply');
      // Text columns hold no NUL (see toText): it reads back as U+FFFD on every database.
      expect(byId.get('out')?.reason).toBe('the gate kept failing\uFFFD twice');
    });

    it("keeps runs apart and moves a run's updatedAt with its instances", async () => {
      const store = current();
      const one = await store.createEvalRun(newEvalRun('r1'));
      await store.createEvalRun(newEvalRun('r2'));
      await store.saveEvalInstance(newEvalInstance('r1', 'x', { steps: 1 }));
      await store.saveEvalInstance(newEvalInstance('r2', 'x', { steps: 2 }));
      await store.saveEvalInstance(newEvalInstance('r2', 'y'));
      expect((await store.listEvalInstances('r1')).map((i) => [i.instanceId, i.steps])).toEqual([['x', 1]]);
      expect((await store.listEvalInstances('r2')).map((i) => [i.instanceId, i.steps])).toEqual([
        ['x', 2],
        ['y', 0],
      ]);
      const touched = await store.getEvalRun('r1');
      expect(touched && touched.updatedAt > one.updatedAt).toBe(true);
      expect(touched?.createdAt).toBe(one.createdAt);
    });

    it('refuses an instance of an unknown run and stores nothing', async () => {
      const store = current();
      const save = store.saveEvalInstance(newEvalInstance('missing', 'x'));
      await expect(save).rejects.toBeInstanceOf(NotFoundError);
      await expect(save).rejects.toMatchObject({ code: 'eval_run_not_found' });
      expect(await store.listEvalInstances('missing')).toEqual([]);
    });

    it('gives concurrent saves of new instances of one run a place each', async () => {
      const store = current();
      await store.createEvalRun(newEvalRun('r1', { total: 24 }));
      const ids = Array.from({ length: 24 }, (_, i) => `i${i}`);
      await Promise.all(ids.map((id) => store.saveEvalInstance(newEvalInstance('r1', id))));
      // And again, replacing each: still one row per instance.
      await Promise.all(ids.map((id) => store.saveEvalInstance(newEvalInstance('r1', id, { steps: 3 }))));
      const listed = await store.listEvalInstances('r1');
      expect(listed.map((instance) => instance.instanceId).sort()).toEqual([...ids].sort());
      expect(listed.every((instance) => instance.steps === 3)).toBe(true);
    });
  });
}
