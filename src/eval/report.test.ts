import { describe, expect, it } from 'vitest';
import type { EvalInstance, EvalRun } from '../core/eval.ts';
import { summarizeEval } from '../core/eval-summary.ts';
import { compareResults, formatComparison } from './compare.ts';
import { formatProgress } from './progress.ts';
import { duration, reportMarkdown } from './report.ts';
import { parseResultsDocument, resultsDocument } from './results-document.ts';

const run: EvalRun = {
  id: 'ev1',
  name: 'tasks',
  dataset: '/data/tasks.jsonl',
  model: 'anthropic:claude-sonnet-4-5',
  state: 'finished',
  total: 4,
  settings: { concurrency: 2, limit: null, filter: null, hints: false, friendModel: null, reasoning: null },
  outDir: '/out',
  drydockVersion: '0.1.0',
  createdAt: '2026-12-04T10:00:00.000Z',
  updatedAt: '2026-12-04T11:00:00.000Z',
};

function instance(id: string, fields: Partial<EvalInstance>): EvalInstance {
  return {
    runId: run.id,
    instanceId: id,
    repo: 'acme/widgets',
    status: 'delivered',
    sessionId: `s-${id}`,
    resolved: true,
    grading: {
      resolved: true,
      failToPass: { passed: 1, total: 1 },
      passToPass: { passed: 4, total: 4 },
      notPassing: [],
      error: null,
      durationMs: 5,
    },
    reason: null,
    steps: 7,
    usage: { inputTokens: 1000, outputTokens: 100, costUsd: 0.1 },
    wallMs: 60_000,
    updatedAt: run.updatedAt,
    ...fields,
  };
}

const badGrading = {
  resolved: false,
  failToPass: { passed: 1, total: 1 },
  passToPass: { passed: 3, total: 4 },
  notPassing: ['test/a.test.js > keeps order'],
  error: null,
  durationMs: 5,
};

const instances = [
  instance('a-1', {}),
  instance('a-2', { resolved: false, grading: badGrading }),
  instance('b-1', {
    status: 'bowed_out',
    resolved: false,
    grading: null,
    reason: 'the checks fail on main already\nmore',
  }),
  instance('b-2', {
    repo: 'acme/gadgets',
    status: 'failed',
    resolved: false,
    grading: null,
    reason: 'model_error: 529',
  }),
];

describe('reportMarkdown', () => {
  const markdown = reportMarkdown(resultsDocument(run, instances));

  it('leads with the headline figures', () => {
    expect(markdown).toContain('| Resolved | 1 (25.0%) |');
    expect(markdown).toContain('| Precision (resolved ÷ delivered) | 50.0% |');
    expect(markdown).toContain('| Bad deliveries (delivered, not resolved) | 1 (25.0%) |');
    expect(markdown).toContain('| Cost | $0.4000 total · $0.4000 per resolved |');
  });

  it('names each bad delivery with the tests that did not pass, and why others ended', () => {
    expect(markdown).toContain('## Bad deliveries');
    expect(markdown).toContain(
      '`a-2`: F2P 1/1, P2P 3/4; not passing: test/a.test.js > keeps order (session s-a-2)',
    );
    expect(markdown).toContain('`b-1` bowed out: the checks fail on main already');
    expect(markdown).toContain('| acme/gadgets | 1 | 0 | 0 | 0 | $0.1000 |');
  });

  it('calls what the oracle does not resolve a broken instance', () => {
    const oracle = reportMarkdown(resultsDocument({ ...run, model: 'oracle' }, instances));
    expect(oracle).toContain('## Broken instances');
    expect(oracle).toContain('3 instances are not resolved by their own fix');
    expect(oracle).not.toContain('## Bad deliveries');
  });
});

describe('results.json', () => {
  it('reads back what it writes, and refuses other files', () => {
    const text = JSON.stringify(resultsDocument(run, instances));
    const read = parseResultsDocument(text, 'results.json');
    expect(read.instances.map((i) => i.instance_id)).toEqual(['a-1', 'a-2', 'b-1', 'b-2']);
    expect(read.instances[1]).toMatchObject({ resolved: false, pass_to_pass: { passed: 3, total: 4 } });
    expect(() => parseResultsDocument('{"format":"other"}', 'x.json')).toThrow(
      /not a drydock eval results file/,
    );
    expect(() => parseResultsDocument('nope', 'x.json')).toThrow(/not JSON/);
  });
});

describe('compareResults', () => {
  it('lists instances that ended differently and the deltas', () => {
    const a = resultsDocument(run, instances);
    const b = resultsDocument({ ...run, model: 'openai:gpt-5' }, [
      instance('a-1', { resolved: false, grading: badGrading }),
      instance('a-2', {}),
      instance('b-1', {}),
      instance('b-2', {
        repo: 'acme/gadgets',
        status: 'failed',
        resolved: false,
        grading: null,
        reason: 'x',
      }),
    ]);
    const comparison = compareResults(a, b);
    expect(comparison.changes).toEqual([
      { instanceId: 'a-1', a: 'resolved', b: 'bad delivery' },
      { instanceId: 'a-2', a: 'bad delivery', b: 'resolved' },
      { instanceId: 'b-1', a: 'bowed out', b: 'resolved' },
    ]);
    expect(comparison.metrics.find((m) => m.name === 'resolve rate')).toEqual({
      name: 'resolve rate',
      a: '25.0%',
      b: '50.0%',
      delta: '+25.0 pts',
    });
    const text = formatComparison(a, b, comparison);
    expect(text).toContain('3 ended differently');
    expect(text).toMatch(/b-1\s+bowed out\s+resolved/);
  });
});

describe('formatProgress', () => {
  it('shows done of total, what is resolved, cost, and the time left at this pace', () => {
    const summary = summarizeEval([
      ...instances.slice(0, 2),
      instance('c', { status: 'running', resolved: null }),
    ]);
    expect(formatProgress({ summary, finishedHere: 2, elapsedMs: 120_000 })).toBe(
      '2/3 · 1 resolved (50.0%) · 1 bad · 0 bowed out · $0.3000 · ETA 1m 00s',
    );
    expect(formatProgress({ summary, finishedHere: 0, elapsedMs: 1 })).toContain('ETA …');
    const bar = formatProgress({ summary, finishedHere: 2, elapsedMs: 120_000, width: 100 });
    expect(bar).toMatch(/^\[█+░+\] 2\/3/);
    expect(bar.length).toBeLessThan(100);
  });

  it('formats durations for people', () => {
    expect(duration(850)).toBe('850 ms');
    expect(duration(42_000)).toBe('42 s');
    expect(duration(185_000)).toBe('3m 05s');
    expect(duration(3_720_000)).toBe('1h 02m');
  });
});
