import { performance } from 'node:perf_hooks';
import { type Summary, summarize } from './stats.ts';

/** Milliseconds `operation` takes. */
export async function timed(operation: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await operation();
  return performance.now() - start;
}

/**
 * One case of a comparison. `run` returns the milliseconds to record, so a case times exactly its
 * own region and leaves setup and cleanup (destroying a sandbox, deleting a copy) out.
 */
export interface Case {
  label: string;
  run: () => Promise<number>;
}

export interface MeasureOptions {
  iterations: number;
  warmup: number;
  /** Stops before the next case once aborted (throwing the abort reason). */
  signal?: AbortSignal;
  /** Called after every round, e.g. to print progress. */
  onRound?: (round: number, rounds: number) => void;
}

/**
 * Runs the cases in interleaved rounds (each round runs every case once, the starting case rotating)
 * rather than one case after the other, so a neighbour's burst of load or a cache warming up is spread
 * over all cases instead of skewing one of them. Warm-up rounds are run and discarded.
 */
export async function measureInterleaved(
  cases: readonly Case[],
  options: MeasureOptions,
): Promise<Map<string, Summary>> {
  const samples = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  const rounds = options.warmup + options.iterations;
  for (let round = 0; round < rounds; round++) {
    for (let offset = 0; offset < cases.length; offset++) {
      options.signal?.throwIfAborted();
      const current = cases[(round + offset) % cases.length]!;
      const ms = await current.run();
      if (round >= options.warmup) samples.get(current.label)!.push(ms);
    }
    options.onRound?.(round + 1, rounds);
  }
  return new Map([...samples].map(([label, values]) => [label, summarize(values)]));
}

/** The summary of a case measured by measureInterleaved; throws on a label it did not measure. */
export function summaryOf(summaries: ReadonlyMap<string, Summary>, label: string): Summary {
  const summary = summaries.get(label);
  if (summary === undefined) throw new Error(`no samples for "${label}"`);
  return summary;
}
