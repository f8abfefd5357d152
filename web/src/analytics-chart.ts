import type { AnalyticsOutcome, AnalyticsTotals } from './types.ts';

/** A chart's frame in SVG units; the SVG scales to its container. */
export const FRAME = { width: 640, height: 200, left: 48, right: 16, top: 12, bottom: 28 } as const;

/** Outcomes bottom to top in a stacked bar, as the legend lists them. */
export const OUTCOME_ORDER: readonly AnalyticsOutcome[] = [
  'delivered',
  'bowed_out',
  'failed',
  'cancelled',
  'running',
];

export const OUTCOME_LABELS: Record<AnalyticsOutcome, string> = {
  delivered: 'delivered',
  bowed_out: 'bowed out',
  failed: 'failed',
  cancelled: 'cancelled',
  running: 'running',
};

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DaySlot {
  day: string;
  /** The slot's centre. */
  x: number;
  /** Whether its date is written under the axis (about eight labels whatever the range). */
  labelled: boolean;
}

export interface PlotArea {
  baseY: number;
  topY: number;
  slots: DaySlot[];
  /** A bar's width in a slot. */
  barWidth: number;
}

/** Where each day of the range goes, oldest on the left. Pure. */
export function layoutDays(days: readonly string[]): PlotArea {
  const plotWidth = FRAME.width - FRAME.left - FRAME.right;
  const slot = plotWidth / Math.max(1, days.length);
  const every = Math.max(1, Math.ceil(days.length / 8));
  return {
    baseY: FRAME.height - FRAME.bottom,
    topY: FRAME.top,
    barWidth: Math.max(1, Math.min(28, slot * 0.7)),
    slots: days.map((day, index) => ({
      day,
      x: FRAME.left + slot * (index + 0.5),
      labelled: index % every === 0 || index === days.length - 1,
    })),
  };
}

/** A round top for an axis: 1, 2 or 5 times a power of ten at or above `max` (1 for nothing). Pure. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

export interface StackedBar {
  day: string;
  segments: Array<Rect & { outcome: AnalyticsOutcome; count: number }>;
}

/** Sessions per day, a bar per day stacked by outcome on a 0–`max` axis. Pure. */
export function layoutOutcomeBars(days: ReadonlyArray<Pick<AnalyticsTotals, 'outcomes'> & { day: string }>): {
  area: PlotArea;
  max: number;
  bars: StackedBar[];
} {
  const area = layoutDays(days.map((day) => day.day));
  const max = niceMax(Math.max(0, ...days.map((day) => sumOutcomes(day.outcomes))));
  const scale = (area.baseY - area.topY) / max;
  const bars = days.map((day, index): StackedBar => {
    const slot = area.slots[index];
    let y = area.baseY;
    const segments: StackedBar['segments'] = [];
    for (const outcome of OUTCOME_ORDER) {
      const count = day.outcomes[outcome];
      if (count === 0 || !slot) continue;
      const height = count * scale;
      y -= height;
      segments.push({ outcome, count, x: slot.x - area.barWidth / 2, y, width: area.barWidth, height });
    }
    return { day: day.day, segments };
  });
  return { area, max, bars };
}

export interface Series {
  name: string;
  /** Polylines: a day without a value breaks the line. */
  lines: Array<Array<{ x: number; y: number }>>;
  points: Array<{ day: string; x: number; y: number; value: number }>;
}

/** Lines of values per day on a 0–`max` axis (`max` from the values unless given). Pure. */
export function layoutSeries(
  days: readonly string[],
  series: ReadonlyArray<{ name: string; values: ReadonlyArray<number | null> }>,
  fixedMax?: number,
): { area: PlotArea; max: number; series: Series[] } {
  const area = layoutDays(days);
  const all = series.flatMap((each) => each.values.filter((value): value is number => value !== null));
  const max = fixedMax ?? niceMax(Math.max(0, ...all));
  const scale = (area.baseY - area.topY) / max;
  return {
    area,
    max,
    series: series.map(({ name, values }) => {
      const lines: Series['lines'] = [];
      const points: Series['points'] = [];
      let current: Array<{ x: number; y: number }> = [];
      values.forEach((value, index) => {
        const slot = area.slots[index];
        if (value === null || !slot) {
          if (current.length > 0) lines.push(current);
          current = [];
          return;
        }
        const point = { x: slot.x, y: area.baseY - value * scale };
        current.push(point);
        points.push({ day: slot.day, value, ...point });
      });
      if (current.length > 0) lines.push(current);
      return { name, lines, points };
    }),
  };
}

export interface HorizontalBar {
  label: string;
  y: number;
  /** Segments left to right. */
  segments: Array<{ key: string; x: number; width: number; value: number }>;
  total: number;
}

/** Horizontal bars (a row each), stacked by `keys`, on a 0–`max` axis across the frame. Pure. */
export function layoutHorizontalBars(
  rows: ReadonlyArray<{ label: string; values: Readonly<Record<string, number>> }>,
  keys: readonly string[],
  options: { left: number; width: number; rowHeight: number },
): { max: number; bars: HorizontalBar[]; height: number } {
  const total = (values: Readonly<Record<string, number>>) =>
    keys.reduce((sum, key) => sum + (values[key] ?? 0), 0);
  const max = niceMax(Math.max(0, ...rows.map((row) => total(row.values))));
  const scale = options.width / max;
  const bars = rows.map((row, index): HorizontalBar => {
    let x = options.left;
    const segments: HorizontalBar['segments'] = [];
    for (const key of keys) {
      const value = row.values[key] ?? 0;
      if (value === 0) continue;
      segments.push({ key, x, width: value * scale, value });
      x += value * scale;
    }
    return { label: row.label, y: index * options.rowHeight, segments, total: total(row.values) };
  });
  return { max, bars, height: rows.length * options.rowHeight };
}

function sumOutcomes(outcomes: Record<AnalyticsOutcome, number>): number {
  return OUTCOME_ORDER.reduce((sum, outcome) => sum + outcomes[outcome], 0);
}
