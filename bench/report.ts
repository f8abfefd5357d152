import type { Benchmark, BenchmarkResult, Goal, Row } from './benchmark.ts';
import type { Machine } from './machine.ts';
import { ratio } from './stats.ts';

export interface Outcome {
  benchmark: Benchmark;
  result?: BenchmarkResult;
  /** Set when the benchmark could not be measured. */
  error?: string;
  durationMs: number;
  /** 1-minute load average when the benchmark started and ended: another job shows here. */
  load?: { start: number; end: number };
}

export interface RunInfo {
  date: Date;
  machine: Machine;
  loadAtEnd: number;
  quick: boolean;
  command: string;
  totalMs: number;
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function formatRatio(value: number): string {
  if (value >= 100) return `${value.toFixed(0)}×`;
  if (value >= 10) return `${value.toFixed(1)}×`;
  if (value >= 0.1 || value === 0) return `${value.toFixed(2)}×`;
  // Small ratios (a cost that nearly vanished) keep two significant digits: 0.0043×, not 0.00×.
  return `${value.toPrecision(2)}×`;
}

/** `12.3× spawn, 2.10× bwrap` against every baseline of the benchmark; `baseline` for a baseline. */
function ratioCell(row: Row, rows: readonly Row[], pick: (row: Row) => number): string {
  if (row.baseline) return 'baseline';
  return rows
    .filter((other) => other.baseline && (row.compareWith?.includes(other.label) ?? true))
    .flatMap((baseline) => {
      const value = ratio(pick(row), pick(baseline));
      return value === null ? [] : [`${formatRatio(value)} ${baseline.short ?? baseline.label}`];
    })
    .join(', ');
}

function describeRun({ durationMs, load }: Outcome): string {
  const duration = formatMs(durationMs);
  return load === undefined
    ? duration
    : `${duration}, load ${load.start.toFixed(1)} → ${load.end.toFixed(1)}`;
}

export interface GoalVerdict {
  goal: Goal;
  value: number | null;
  met: boolean;
}

export function judgeGoal(goal: Goal, rows: readonly Row[]): GoalVerdict {
  const row = rows.find((candidate) => candidate.label === goal.row);
  const baseline = rows.find((candidate) => candidate.label === goal.baseline);
  const value = row && baseline ? ratio(row.summary.p50, baseline.summary.p50) : null;
  return { goal, value, met: value !== null && value <= goal.maxRatio };
}

function describeVerdict({ goal, value, met }: GoalVerdict): string {
  const measured = value === null ? 'not measured' : `${formatRatio(value)}: ${met ? 'met' : 'missed'}`;
  return `${goal.row} ≤ ${formatRatio(goal.maxRatio)} ${goal.baseline} at p50 — ${measured}`;
}

interface TableRow {
  benchmark: string;
  cells: string[];
}

const HEADER = ['Case', 'n', 'p50', 'p95', '× baseline (p50)', '× baseline (p95)', 'Note'];

function tableRows(outcomes: readonly Outcome[]): TableRow[] {
  return outcomes.flatMap(({ benchmark, result, error }) => {
    if (result === undefined) {
      return [
        {
          benchmark: benchmark.title,
          cells: [`not measured: ${error ?? 'unknown error'}`, '', '', '', '', '', ''],
        },
      ];
    }
    return result.rows.map((row) => ({
      benchmark: benchmark.title,
      cells: [
        row.label,
        String(row.summary.n),
        formatMs(row.summary.p50),
        formatMs(row.summary.p95),
        ratioCell(row, result.rows, (r) => r.summary.p50),
        ratioCell(row, result.rows, (r) => r.summary.p95),
        row.note ?? '',
      ],
    }));
  });
}

/** A plain-text table for the terminal, one block per benchmark, goals under their benchmark. */
export function renderText(outcomes: readonly Outcome[]): string {
  const rows = tableRows(outcomes);
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row.cells[column]!.length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === 1 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  const out: string[] = [line(HEADER), widths.map((width) => '-'.repeat(width)).join('  ')];
  for (const outcome of outcomes) {
    out.push('', `${outcome.benchmark.title} (${describeRun(outcome)})`);
    for (const row of rows.filter((candidate) => candidate.benchmark === outcome.benchmark.title)) {
      out.push(line(row.cells));
    }
    for (const goal of outcome.result?.goals ?? []) {
      out.push(`  goal: ${describeVerdict(judgeGoal(goal, outcome.result?.rows ?? []))}`);
    }
  }
  return out.join('\n');
}

const escapeCell = (text: string): string => text.replaceAll('|', '\\|');

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** docs/benchmarks.md: when and where, the results table, the goals, and how to read each benchmark. */
export function renderMarkdown(outcomes: readonly Outcome[], run: RunInfo): string {
  const { machine } = run;
  const machineRows: Array<[string, string]> = [
    ['Date', run.date.toISOString().replace(/\.\d+Z$/, 'Z')],
    ['OS', machine.os],
    ['CPU', machine.cpu],
    ['Cores', String(machine.cores)],
    ['Memory', `${machine.memoryGiB.toFixed(1)} GiB`],
    ['Kernel', machine.kernel],
    ['Node (drydock)', machine.node],
    ['Node in the sandbox (`/usr/bin/node`)', machine.systemNode],
    ['bubblewrap', machine.bubblewrap],
    ['git', machine.git],
    ['Temp dir filesystem', machine.tempFilesystem],
    ['Sandbox limits enforced by', machine.limitMechanism],
    [
      'Load average (1 min) at start / end',
      `${machine.loadAtStart.toFixed(2)} / ${run.loadAtEnd.toFixed(2)}`,
    ],
    ['Command', `\`${run.command}\`${run.quick ? ' (quick: small counts, small tree)' : ''}`],
    ['Run time', formatMs(run.totalMs)],
  ];
  const results = tableRows(outcomes).map((row) => [row.benchmark, ...row.cells]);
  const verdicts = outcomes.flatMap((outcome) =>
    (outcome.result?.goals ?? []).map((goal) => judgeGoal(goal, outcome.result?.rows ?? [])),
  );
  const sections = outcomes.map((outcome) => {
    const { benchmark, result, error } = outcome;
    return [
      `### ${benchmark.title} (\`${benchmark.id}\`)`,
      '',
      `Baseline: ${benchmark.baseline}.`,
      `\nRan for ${describeRun(outcome)}${outcome.load === undefined ? '' : ' (1-minute load average at its start and end)'}.`,
      ...(result?.notes ?? []).map((note) => `\n${note}`),
      ...(error === undefined ? [] : [`\nNot measured: ${error}`]),
    ].join('\n');
  });

  return [
    '# Benchmarks',
    '',
    'Generated by `npm run bench` (`bench/run.ts`); do not edit by hand. Every benchmark names its baseline and ' +
      'measures it in the same run, interleaved with the cases it is compared with, so a slow drift in load ' +
      'hits both alike; short bursts on a busy machine still move the ratios between runs, so each benchmark ' +
      'lists the load average it ran under. The absolute times only describe this machine on this day. ' +
      'Timings are never pass/fail: a missed goal is a finding to explain, not a failed build. p50 and p95 ' +
      'interpolate between ranks; with a few samples p95 is close to the slowest sample.',
    '',
    '## Machine',
    '',
    markdownTable(['', ''], machineRows),
    '',
    '## Results',
    '',
    markdownTable(['Benchmark', ...HEADER], results),
    '',
    '## Goals',
    '',
    verdicts.length === 0
      ? 'None measured.'
      : verdicts.map((verdict) => `- ${describeVerdict(verdict)}`).join('\n'),
    '',
    '## What each benchmark measures',
    '',
    sections.join('\n\n'),
    '',
    '## Running',
    '',
    '`npm run bench` runs everything (about two minutes on two cores) and rewrites this file; ' +
      '`npm run bench -- --quick` is a smoke run that only prints; `--only <id,id>` picks benchmarks; ' +
      '`BENCH_ITERATIONS`, `BENCH_<ID>_ITERATIONS`, `BENCH_FILES`, `BENCH_TREE_MB` and `BENCH_EVENTS` change ' +
      'the counts (`npm run bench -- --help`).',
    '',
  ].join('\n');
}
