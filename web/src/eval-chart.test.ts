import { describe, expect, it } from 'vitest';
import { summarizeEval } from '../../src/core/eval-summary.ts';
import { CHART, CHART_MAX_RUNS, layoutEvalChart } from './eval-chart.ts';
import type { EvalRun, EvalRunListItem, EvalSummary } from './types.ts';

function item(id: string, summary: Partial<EvalSummary>): EvalRunListItem {
  const run: EvalRun = {
    id,
    name: id,
    dataset: 'builtin',
    model: 'oracle',
    state: 'finished',
    total: 4,
    settings: { concurrency: 1, limit: null, filter: null, hints: false, friendModel: null, reasoning: null },
    outDir: null,
    drydockVersion: '0.0.0',
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
  };
  return { run, summary: { ...summarizeEval([]), ...summary } };
}

describe('layoutEvalChart', () => {
  const plotHeight = CHART.height - CHART.top - CHART.bottom;

  it('puts the oldest run on the left, bars as tall as the resolve rate and costs against the highest', () => {
    // The API lists newest first.
    const layout = layoutEvalChart([
      item('new', { resolveRate: 0.5, costUsd: 1 }),
      item('old', { resolveRate: 1, costUsd: 4 }),
    ]);
    expect(layout.columns.map((column) => column.id)).toEqual(['old', 'new']);
    const [old, latest] = layout.columns;
    expect(old!.x).toBeLessThan(latest!.x);
    expect(old!.bar?.height).toBeCloseTo(plotHeight);
    expect(latest!.bar?.height).toBeCloseTo(plotHeight / 2);
    expect(latest!.bar!.y + latest!.bar!.height).toBeCloseTo(layout.baseY);
    expect(layout.maxCostUsd).toBe(4);
    expect(old!.point.y).toBeCloseTo(layout.topY);
    expect(layout.baseY - latest!.point.y).toBeCloseTo(plotHeight / 4);
    for (const column of layout.columns) {
      expect(column.x).toBeGreaterThan(CHART.left);
      expect(column.x).toBeLessThan(CHART.width - CHART.right);
    }
  });

  it('draws no bar for a run with nothing finished, keeps costs of zero on the baseline, and shows the newest runs only', () => {
    const empty = layoutEvalChart([item('r', { resolveRate: null, costUsd: 0 })]);
    expect(empty.columns[0]?.bar).toBeNull();
    expect(empty.columns[0]?.point.y).toBe(empty.baseY);
    const many = Array.from({ length: CHART_MAX_RUNS + 5 }, (_, i) => item(`r${i}`, { resolveRate: 0 }));
    const layout = layoutEvalChart(many);
    expect(layout.columns).toHaveLength(CHART_MAX_RUNS);
    expect(layout.columns.at(-1)?.id).toBe('r0');
    expect(layoutEvalChart([]).columns).toEqual([]);
  });
});
