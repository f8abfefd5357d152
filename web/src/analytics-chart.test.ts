import { describe, expect, it } from 'vitest';
import { FRAME, layoutHorizontalBars, layoutOutcomeBars, layoutSeries, niceMax } from './analytics-chart.ts';

const outcomes = (delivered: number, failed: number) => ({
  delivered,
  bowed_out: 0,
  failed,
  cancelled: 0,
  running: 0,
});

describe('analytics chart layout', () => {
  it('rounds an axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 0.3, 1, 3, 7, 12, 450].map(niceMax)).toEqual([1, 0.5, 1, 5, 10, 20, 500]);
  });

  it('stacks a day’s outcomes from the axis up, in proportion to the tallest day', () => {
    const { area, max, bars } = layoutOutcomeBars([
      { day: '2026-11-01', outcomes: outcomes(3, 1) },
      { day: '2026-11-02', outcomes: outcomes(0, 0) },
    ]);
    expect(max).toBe(5);
    const [delivered, failed] = bars[0]?.segments ?? [];
    const unit = (area.baseY - area.topY) / 5;
    expect(delivered).toMatchObject({ outcome: 'delivered', count: 3, y: area.baseY - 3 * unit });
    expect(failed).toMatchObject({ outcome: 'failed', count: 1, y: area.baseY - 4 * unit });
    expect(bars[1]?.segments).toEqual([]);
    // Days left to right inside the frame.
    expect(area.slots.map((slot) => slot.x)).toEqual(
      [...area.slots.map((slot) => slot.x)].sort((a, b) => a - b),
    );
    expect(area.slots.every((slot) => slot.x > FRAME.left && slot.x < FRAME.width - FRAME.right)).toBe(true);
  });

  it('breaks a line where a day has no value', () => {
    const { series } = layoutSeries(['a', 'b', 'c', 'd'], [{ name: 'rate', values: [0.5, null, 1, 1] }], 1);
    expect(series[0]?.lines.map((line) => line.length)).toEqual([1, 2]);
    expect(series[0]?.points.map((point) => point.day)).toEqual(['a', 'c', 'd']);
  });

  it('lays horizontal bars end to end by key, skipping zeros', () => {
    const { bars, max } = layoutHorizontalBars(
      [{ label: 'x', values: { a: 1, b: 0, c: 3 } }],
      ['a', 'b', 'c'],
      { left: 100, width: 400, rowHeight: 20 },
    );
    expect(max).toBe(5);
    expect(bars[0]?.segments).toEqual([
      { key: 'a', x: 100, width: 80, value: 1 },
      { key: 'c', x: 180, width: 240, value: 3 },
    ]);
  });
});
