import type { TreeShape } from './generated-tree.ts';

export interface BenchConfig {
  quick: boolean;
  /** Benchmark ids to run; null runs all. */
  only: readonly string[] | null;
  /** Whether to write docs/benchmarks.md. */
  write: boolean;
  help: boolean;
  /** Iteration counts from the environment: `*` for every benchmark, else by benchmark id. */
  iterations: ReadonlyMap<string, number>;
  tree: TreeShape;
  /** Events per mode in the event log benchmark. */
  events: number;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--only id,id] [--write | --no-write]

  --quick        small counts and a small tree: a smoke run of a few seconds per benchmark
  --only ids     run only these benchmarks (comma-separated ids, see below)
  --write        write docs/benchmarks.md (default for full runs of every benchmark)
  --no-write     print the table only (default with --quick or --only)

Environment:
  BENCH_ITERATIONS=n        timed iterations of every benchmark
  BENCH_<ID>_ITERATIONS=n   of one benchmark, e.g. BENCH_EXEC_ROUND_TRIP_ITERATIONS=500
  BENCH_FILES=n             files in the generated tree (default 20000; --quick 2000)
  BENCH_TREE_MB=n           its total size in MB (default 100; --quick 10)
  BENCH_EVENTS=n            events per mode in the event log benchmark (default 2000; --quick 300)
`;

const MB = 1_000_000;

function positiveInteger(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`${name} must be a positive integer, got "${value}".`);
  }
  return parsed;
}

/** `BENCH_<ID>_ITERATIONS` for a benchmark id: upper case, dashes as underscores. */
export function iterationsVariable(id: string): string {
  return `BENCH_${id.toUpperCase().replaceAll('-', '_')}_ITERATIONS`;
}

/** Parses the command line and the BENCH_* environment. Throws with a message fit for the user. */
export function parseBenchConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  benchmarkIds: readonly string[],
): BenchConfig {
  let quick = false;
  let only: string[] | null = null;
  let write: boolean | null = null;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--write') write = true;
    else if (arg === '--no-write') write = false;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (value === undefined || value === '') throw new Error('--only needs benchmark ids.');
      only = value.split(',').map((id) => id.trim());
      const unknown = only.filter((id) => !benchmarkIds.includes(id));
      if (unknown.length > 0) {
        throw new Error(`Unknown benchmark ${unknown.join(', ')}. Ids: ${benchmarkIds.join(', ')}.`);
      }
    } else throw new Error(`Unknown argument "${arg}".\n\n${USAGE}`);
  }

  const iterations = new Map<string, number>();
  const all = env.BENCH_ITERATIONS;
  if (all !== undefined && all !== '') iterations.set('*', positiveInteger('BENCH_ITERATIONS', all));
  for (const id of benchmarkIds) {
    const name = iterationsVariable(id);
    const value = env[name];
    if (value !== undefined && value !== '') iterations.set(id, positiveInteger(name, value));
  }
  const read = (name: string, full: number, small: number): number => {
    const value = env[name];
    return value === undefined || value === '' ? (quick ? small : full) : positiveInteger(name, value);
  };

  return {
    quick,
    only,
    // A quick or partial run must not overwrite the full results others read.
    write: write ?? (!quick && only === null),
    help,
    iterations,
    tree: { files: read('BENCH_FILES', 20_000, 2_000), bytes: read('BENCH_TREE_MB', 100, 10) * MB },
    events: read('BENCH_EVENTS', 2_000, 300),
  };
}
