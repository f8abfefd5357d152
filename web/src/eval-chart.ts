import type { EvalRunListItem } from './types.ts';

/** The chart's frame in SVG units; the SVG scales to its container. */
export const CHART = { width: 640, height: 212, left: 44, right: 56, top: 12, bottom: 42 } as const;

/** Runs shown at most, the newest. */
export const CHART_MAX_RUNS = 20;

export interface ChartColumn {
  id: string;
  name: string;
  /** The model without its provider (`claude-sonnet-4-5`, `oracle`): runs of one task set differ by it. */
  model: string;
  /** The slot's centre. */
  x: number;
  /** The resolve-rate bar; null while the run has nothing finished. */
  bar: { x: number; y: number; width: number; height: number } | null;
  /** The cost point on the right-hand axis. */
  point: { x: number; y: number };
  resolveRate: number | null;
  costUsd: number;
}

export interface ChartLayout {
  columns: ChartColumn[];
  /** The cost at the top of the right-hand axis. */
  maxCostUsd: number;
  /** The plot's bottom and top edges. */
  baseY: number;
  topY: number;
}

/**
 * Where each run goes on the chart of resolve rate (bars, 0–100 % on the left axis) and cost (a line, $0 to
 * the highest run's cost on the right axis), oldest run on the left. `runs` come newest first, as the API
 * lists them. Pure.
 */
export function layoutEvalChart(runs: readonly EvalRunListItem[]): ChartLayout {
  const shown = runs.slice(0, CHART_MAX_RUNS).reverse();
  const plotWidth = CHART.width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  const baseY = CHART.top + plotHeight;
  const maxCostUsd = Math.max(0, ...shown.map(({ summary }) => summary.costUsd));
  const slot = shown.length === 0 ? plotWidth : plotWidth / shown.length;
  const barWidth = Math.min(36, slot * 0.6);
  const columns = shown.map(({ run, summary }, index): ChartColumn => {
    const x = CHART.left + slot * (index + 0.5);
    const rate = summary.resolveRate;
    const barHeight = rate === null ? 0 : rate * plotHeight;
    const costHeight = maxCostUsd === 0 ? 0 : (summary.costUsd / maxCostUsd) * plotHeight;
    return {
      id: run.id,
      name: run.name,
      model: run.model.replace(/^[^:]*:/, ''),
      x,
      bar:
        rate === null
          ? null
          : { x: x - barWidth / 2, y: baseY - barHeight, width: barWidth, height: barHeight },
      point: { x, y: baseY - costHeight },
      resolveRate: rate,
      costUsd: summary.costUsd,
    };
  });
  return { columns, maxCostUsd, baseY, topY: CHART.top };
}
