import { percentile } from '../core/eval-summary.ts';
import { duration, percent, usd } from './report.ts';
import type { InstanceRecord, ResultsDocument } from './results-document.ts';

/** How an instance ended, for comparing runs. */
export type Outcome = 'resolved' | 'bad delivery' | 'bowed out' | 'failed' | 'unfinished' | 'not in run';

export function outcomeOf(record: InstanceRecord | undefined): Outcome {
  if (record === undefined) return 'not in run';
  if (record.status === 'bowed_out') return 'bowed out';
  if (record.status === 'failed') return 'failed';
  if (record.status === 'delivered' && record.resolved !== null) {
    return record.resolved ? 'resolved' : 'bad delivery';
  }
  return 'unfinished';
}

export interface Comparison {
  /** Instances whose outcome differs, in A's order then B's extras. */
  changes: Array<{ instanceId: string; a: Outcome; b: Outcome }>;
  metrics: Array<{ name: string; a: string; b: string; delta: string }>;
  /** Instances both runs finished. */
  common: number;
}

/**
 * Per-instance differences between two runs and the deltas of their headline figures, computed from
 * the instance records (over the instances each run finished). Pure.
 */
export function compareResults(a: ResultsDocument, b: ResultsDocument): Comparison {
  const inA = new Map(a.instances.map((i) => [i.instance_id, i]));
  const inB = new Map(b.instances.map((i) => [i.instance_id, i]));
  const ids = [...new Set([...inA.keys(), ...inB.keys()])];
  const changes = ids
    .map((instanceId) => ({
      instanceId,
      a: outcomeOf(inA.get(instanceId)),
      b: outcomeOf(inB.get(instanceId)),
    }))
    .filter((change) => change.a !== change.b);
  const finished = (o: Outcome) => o !== 'unfinished' && o !== 'not in run';
  const common = ids.filter(
    (id) => finished(outcomeOf(inA.get(id))) && finished(outcomeOf(inB.get(id))),
  ).length;
  const sa = stats(a.instances);
  const sb = stats(b.instances);
  const rate = (name: string, pick: (s: Stats) => number | null) => {
    const [x, y] = [pick(sa), pick(sb)];
    return { name, a: percent(x), b: percent(y), delta: x === null || y === null ? 'n/a' : points(y - x) };
  };
  const money = (name: string, pick: (s: Stats) => number | null) => {
    const [x, y] = [pick(sa), pick(sb)];
    const show = (v: number | null) => (v === null ? 'n/a' : usd(v));
    return { name, a: show(x), b: show(y), delta: x === null || y === null ? 'n/a' : signed(y - x, usd) };
  };
  const time = (name: string, pick: (s: Stats) => number | null) => {
    const [x, y] = [pick(sa), pick(sb)];
    return {
      name,
      a: duration(x),
      b: duration(y),
      delta: x === null || y === null ? 'n/a' : signed(y - x, duration),
    };
  };
  return {
    changes,
    common,
    metrics: [
      {
        name: 'finished',
        a: String(sa.finished),
        b: String(sb.finished),
        delta: signed(sb.finished - sa.finished, String),
      },
      rate('resolve rate', (s) => s.resolveRate),
      rate('precision', (s) => s.precision),
      rate('bad-delivery rate', (s) => s.badDeliveryRate),
      rate('bow-out rate', (s) => s.bowOutRate),
      money('cost', (s) => s.costUsd),
      money('cost per resolved', (s) => s.costPerResolved),
      time('time p50', (s) => s.wallP50),
      time('time p95', (s) => s.wallP95),
    ],
  };
}

/** The comparison as `drydock eval compare` prints it. Pure. */
export function formatComparison(a: ResultsDocument, b: ResultsDocument, comparison: Comparison): string {
  const lines = [
    `A: ${a.run.name} · ${a.run.model} · drydock ${a.run.drydockVersion} (${a.run.dataset})`,
    `B: ${b.run.name} · ${b.run.model} · drydock ${b.run.drydockVersion} (${b.run.dataset})`,
  ];
  if (a.run.dataset !== b.run.dataset) lines.push('note: the runs used different task files');
  for (const [name, run] of [
    ['A', a],
    ['B', b],
  ] as const) {
    if (run.instances.some((i) => i.cost_unknown)) {
      lines.push(`note: ${name}'s model has no known price: its costs leave those calls out`);
    }
  }
  lines.push(
    '',
    table([['', 'A', 'B', 'B − A'], ...comparison.metrics.map((m) => [m.name, m.a, m.b, m.delta])]),
  );
  lines.push('', `${comparison.common} instances finished in both runs.`);
  if (comparison.changes.length === 0) {
    lines.push('No instance ended differently.');
  } else {
    lines.push(`${comparison.changes.length} ended differently:`, '');
    lines.push(table([['instance', 'A', 'B'], ...comparison.changes.map((c) => [c.instanceId, c.a, c.b])]));
  }
  return `${lines.join('\n')}\n`;
}

interface Stats {
  finished: number;
  resolveRate: number | null;
  precision: number | null;
  badDeliveryRate: number | null;
  bowOutRate: number | null;
  costUsd: number;
  costPerResolved: number | null;
  wallP50: number | null;
  wallP95: number | null;
}

function stats(records: readonly InstanceRecord[]): Stats {
  const outcomes = records.map((r) => ({ r, o: outcomeOf(r) }));
  const done = outcomes.filter(({ o }) => o !== 'unfinished' && o !== 'not in run');
  const n = (o: Outcome) => done.filter((d) => d.o === o).length;
  const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  const resolved = n('resolved');
  const delivered = resolved + n('bad delivery');
  const costUsd = records.reduce((sum, r) => sum + r.cost_usd, 0);
  const wall = done
    .map(({ r }) => r.wall_ms)
    .filter((ms): ms is number => ms !== null)
    .sort((x, y) => x - y);
  return {
    finished: done.length,
    resolveRate: rate(resolved, done.length),
    precision: rate(resolved, delivered),
    badDeliveryRate: rate(n('bad delivery'), done.length),
    bowOutRate: rate(n('bowed out'), done.length),
    costUsd,
    costPerResolved: resolved === 0 ? null : costUsd / resolved,
    wallP50: percentile(wall, 50),
    wallP95: percentile(wall, 95),
  };
}

function points(delta: number): string {
  return `${delta >= 0 ? '+' : '−'}${Math.abs(delta * 100).toFixed(1)} pts`;
}

function signed(delta: number, show: (value: number) => string): string {
  return `${delta >= 0 ? '+' : '−'}${show(Math.abs(delta))}`;
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((value, column) => value.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
