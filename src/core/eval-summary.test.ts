import { describe, expect, it } from 'vitest';
import type { EvalInstance } from './eval.ts';
import { isFinished, percentile, summarizeByRepo, summarizeEval } from './eval-summary.ts';

function instance(fields: Partial<EvalInstance> & Pick<EvalInstance, 'instanceId' | 'status'>): EvalInstance {
  return {
    runId: 'run',
    repo: 'acme/widgets',
    sessionId: null,
    resolved: null,
    grading: null,
    reason: null,
    steps: 0,
    usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    wallMs: null,
    updatedAt: '2026-12-04T00:00:00.000Z',
    ...fields,
  };
}

const grading = (resolved: boolean, error: string | null = null) => ({
  resolved,
  failToPass: { passed: resolved ? 1 : 0, total: 1 },
  passToPass: { passed: 3, total: 3 },
  notPassing: resolved ? [] : ['t > x'],
  error,
  durationMs: 10,
});

describe('summarizeEval', () => {
  const instances = [
    instance({
      instanceId: 'a',
      status: 'delivered',
      resolved: true,
      grading: grading(true),
      wallMs: 100,
      usage: { inputTokens: 10, outputTokens: 1, costUsd: 0.5 },
    }),
    instance({
      instanceId: 'b',
      status: 'delivered',
      resolved: false,
      grading: grading(false),
      wallMs: 300,
      usage: { inputTokens: 20, outputTokens: 2, costUsd: 0.25 },
    }),
    instance({
      instanceId: 'c',
      status: 'delivered',
      resolved: false,
      grading: grading(false, 'test patch did not apply'),
      wallMs: 200,
    }),
    instance({
      instanceId: 'd',
      status: 'bowed_out',
      resolved: false,
      wallMs: 400,
      repo: 'acme/gadgets',
      usage: { inputTokens: 5, outputTokens: 1, costUsd: 0.25 },
    }),
    instance({ instanceId: 'e', status: 'failed', resolved: false, repo: 'acme/gadgets' }),
    // Delivered, not graded yet, and one not started: neither is finished.
    instance({ instanceId: 'f', status: 'delivered' }),
    instance({ instanceId: 'g', status: 'pending' }),
  ];

  it('counts finished instances only in the rates, and every cost', () => {
    const summary = summarizeEval(instances);
    expect(summary).toMatchObject({
      total: 7,
      finished: 5,
      delivered: 3,
      resolved: 1,
      badDeliveries: 2,
      bowedOut: 1,
      failed: 1,
      gradingErrors: 1,
      resolveRate: 1 / 5,
      deliveredRate: 3 / 5,
      precision: 1 / 3,
      badDeliveryRate: 2 / 5,
      bowOutRate: 1 / 5,
      costUsd: 1,
      costPerResolvedUsd: 1,
      inputTokens: 35,
      outputTokens: 4,
      wallMsP50: 200,
      wallMsP95: 400,
    });
  });

  it('has no rates before anything finished', () => {
    const summary = summarizeEval([instance({ instanceId: 'g', status: 'running' })]);
    expect(summary.resolveRate).toBeNull();
    expect(summary.precision).toBeNull();
    expect(summary.costPerResolvedUsd).toBeNull();
    expect(summary.wallMsP50).toBeNull();
  });

  it('breaks results down by repository', () => {
    expect(summarizeByRepo(instances)).toEqual([
      {
        repo: 'acme/widgets',
        total: 5,
        finished: 3,
        delivered: 3,
        resolved: 1,
        badDeliveries: 2,
        costUsd: 0.75,
        costUnknown: false,
      },
      {
        repo: 'acme/gadgets',
        total: 2,
        finished: 2,
        delivered: 0,
        resolved: 0,
        badDeliveries: 0,
        costUsd: 0.25,
        costUnknown: false,
      },
    ]);
  });

  it('finishes a delivered instance only once graded', () => {
    expect(isFinished(instance({ instanceId: 'x', status: 'delivered' }))).toBe(false);
    expect(isFinished(instance({ instanceId: 'x', status: 'delivered', resolved: false }))).toBe(true);
    expect(isFinished(instance({ instanceId: 'x', status: 'running' }))).toBe(false);
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 95)).toBe(4);
    expect(percentile([7], 5)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});
