import type { Summary } from './stats.ts';

/** One measured case of a benchmark: milliseconds per operation over `summary.n` operations. */
export interface Row {
  label: string;
  summary: Summary;
  /** A baseline row: every other row of the benchmark is compared with it. */
  baseline?: boolean;
  /** Short name of a baseline in ratio cells (`12× spawn`). Default: the label. */
  short?: string;
  /** Anything else worth a column (throughput, sizes). */
  note?: string;
  /** Compare with these baselines only (by label); default: every baseline of the benchmark. */
  compareWith?: readonly string[];
}

/** A goal from an issue: the row's p50 at most `maxRatio` times the baseline's p50. */
export interface Goal {
  row: string;
  baseline: string;
  maxRatio: number;
}

export interface BenchmarkResult {
  rows: Row[];
  goals?: Goal[];
  /** What a reader needs to interpret the rows (sizes, settings, caveats). */
  notes?: string[];
}

/** A release of something that must not outlive the run: a sandbox, a temp dir, a worktree. */
export type Cleanup = () => Promise<void>;

export interface Destroyable {
  destroy(): Promise<void>;
}

/** A generated source tree (see generated-tree.ts), shared by the benchmarks that need a big workspace. */
export interface GeneratedTree {
  /** The root; the files are under `<root>/src`. */
  root: string;
  files: number;
  bytes: number;
  /** A word in some of the files, and how many files contain it. */
  needle: string;
  filesWithNeedle: number;
}

/** The same tree committed in a git repository (packed, like a real clone). */
export interface GeneratedRepository extends GeneratedTree {
  commit: string;
}

export interface BenchContext {
  quick: boolean;
  /** Aborted when the user interrupts the run: stop at the next step (measureInterleaved checks it). */
  signal: AbortSignal;
  /** Events per mode in the event log benchmark (BENCH_EVENTS). */
  events: number;
  /** Timed iterations for a benchmark: BENCH_<ID>_ITERATIONS, else BENCH_ITERATIONS, else the default. */
  iterations(defaults: { full: number; quick: number }): number;
  /** Warm-up iterations, not recorded. */
  warmup(defaults: { full: number; quick: number }): number;
  /** A new temp dir, removed when the run ends (also on failure or Ctrl-C). */
  scratch(prefix: string): Promise<string>;
  /** Runs `cleanup` when the run ends, last registered first. */
  defer(cleanup: Cleanup): void;
  /** Destroys `resource` when the run ends unless released first; the returned function destroys it now. */
  track(resource: Destroyable): Cleanup;
  tree(): Promise<GeneratedTree>;
  repository(): Promise<GeneratedRepository>;
  log(message: string): void;
}

export interface Benchmark {
  /** Used in --only and in BENCH_<ID>_ITERATIONS (upper case, dashes as underscores). */
  id: string;
  title: string;
  /** What the baseline is and why it is the fair comparison, one sentence. */
  baseline: string;
  run(context: BenchContext): Promise<BenchmarkResult>;
}
