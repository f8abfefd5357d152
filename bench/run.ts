// Runs drydock's benchmarks, prints the results and (on a full run) writes docs/benchmarks.md.
// `npm run bench -- --help` for the options. Timings here are findings, never pass/fail.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyticsQueryBench } from './analytics-query.ts';
import { auditAppendBench } from './audit-append.ts';
import type { Benchmark } from './benchmark.ts';
import { browserAction, browserStart } from './browser-start.ts';
import { checkpointLogBench } from './checkpoint-log.ts';
import { type BenchConfig, parseBenchConfig, USAGE } from './config.ts';
import { diskQuotaBench } from './disk-quota-bench.ts';
import { environmentImage } from './environment-image.ts';
import { eventLogAppend } from './event-log-append.ts';
import { execRoundTrip } from './exec-round-trip.ts';
import { grepWorkspace } from './grep-workspace.ts';
import { imageRootStart } from './image-root-start.ts';
import { LAYER_BENCHMARKS } from './layers-bench.ts';
import { describeMachine } from './machine.ts';
import { modelStreamBench } from './model-stream.ts';
import { queueTakeover } from './queue-takeover.ts';
import { type Outcome, renderMarkdown, renderText } from './report.ts';
import { createRunScope } from './run-scope.ts';
import { sandboxColdStart } from './sandbox-cold-start.ts';
import { serverLoad } from './server-load.ts';
import { sessionEndToEnd } from './session-end-to-end.ts';
import { snapshotStoreBench } from './snapshot-store-bench.ts';
import { spendLedgerBench } from './spend-ledger.ts';
import { warmPoolSession } from './warm-pool-session.ts';
import { workersBench } from './workers.ts';
import { workspaceGitBench } from './workspace-git.ts';
import { workspacePrepare } from './workspace-prepare.ts';

const BENCHMARKS: readonly Benchmark[] = [
  sandboxColdStart,
  imageRootStart,
  execRoundTrip,
  grepWorkspace,
  workspacePrepare,
  sessionEndToEnd,
  eventLogAppend,
  auditAppendBench,
  checkpointLogBench,
  analyticsQueryBench,
  spendLedgerBench,
  modelStreamBench,
  serverLoad,
  workersBench,
  queueTakeover,
  environmentImage,
  ...LAYER_BENCHMARKS,
  diskQuotaBench(),
  snapshotStoreBench,
  warmPoolSession,
  workspaceGitBench,
  browserStart,
  browserAction,
];

const REPORT_PATH = resolve(import.meta.dirname, '..', 'docs', 'benchmarks.md');

const argv = process.argv.slice(2);

const log = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

function describeError(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

async function main(config: BenchConfig): Promise<number> {
  const startedAt = performance.now();
  const date = new Date();
  const machine = await describeMachine();
  log(`${machine.cpu}, ${machine.cores} cores, node ${machine.node}, limits by ${machine.limitMechanism}`);
  // Ctrl-C or a kill stops the benchmark at its next step, so what the step in flight acquires (a
  // sandbox half-created holds cgroups) is known when the run's own cleanup destroys the sandboxes
  // and removes the temp dirs (about 100 MB of them). After 10 s, or on a second signal, it cleans up
  // what it knows of and exits regardless.
  const interrupt = new AbortController();
  const scope = createRunScope(config, log, interrupt.signal);
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupt.signal.aborted) process.exit(130);
    interrupt.abort(new Error(`interrupted by ${signal}`));
    log(`${signal}: stopping after the current step, then cleaning up (again to exit at once)`);
    setTimeout(() => void scope.cleanup().finally(() => process.exit(130)), 10_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const outcomes: Outcome[] = [];
  try {
    const selected = BENCHMARKS.filter((benchmark) => config.only?.includes(benchmark.id) ?? true);
    for (const benchmark of selected) {
      if (interrupt.signal.aborted) break;
      log(`${benchmark.title}…`);
      const start = performance.now();
      const loadAtStart = loadavg()[0] ?? 0;
      const finished = () => ({
        durationMs: performance.now() - start,
        load: { start: loadAtStart, end: loadavg()[0] ?? 0 },
      });
      try {
        const result = await benchmark.run(scope.contextFor(benchmark.id));
        outcomes.push({ benchmark, result, ...finished() });
      } catch (error) {
        const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(
          interrupt.signal.aborted ? `${benchmark.title}: stopped` : `${benchmark.title} failed: ${detail}`,
        );
        outcomes.push({ benchmark, error: describeError(error), ...finished() });
      }
    }
  } finally {
    const failures = await scope.cleanup();
    for (const failure of failures) log(`cleanup: ${failure}`);
  }

  // An interrupted run's results are partial: no report.
  if (interrupt.signal.aborted) return 130;
  process.stdout.write(`\n${renderText(outcomes)}\n`);
  if (config.write) {
    const markdown = renderMarkdown(outcomes, {
      date,
      machine,
      loadAtEnd: loadavg()[0] ?? 0,
      quick: config.quick,
      command: ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' '),
      totalMs: performance.now() - startedAt,
    });
    await writeFile(REPORT_PATH, markdown);
    log(`\nwrote ${join('docs', 'benchmarks.md')}`);
  }
  // A benchmark that could not run is a failure to measure; its timings never are.
  return outcomes.some((outcome) => outcome.error !== undefined) ? 1 : 0;
}

let config: BenchConfig;
try {
  config = parseBenchConfig(
    argv,
    process.env,
    BENCHMARKS.map((benchmark) => benchmark.id),
  );
} catch (error) {
  log(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
if (config.help) {
  process.stdout.write(`${USAGE}\nBenchmarks: ${BENCHMARKS.map((b) => b.id).join(', ')}\n`);
  process.exit(0);
}
process.exitCode = await main(config);
