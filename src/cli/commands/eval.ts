import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { BadInputError } from '../../core/errors.ts';
import type { EvalInstance } from '../../core/eval.ts';
import { type EvalSummary, summarizeEval } from '../../core/eval-summary.ts';
import type { Forge } from '../../core/ports/forge.ts';
import type { Queue } from '../../core/ports/queue.ts';
import { describeCost } from '../../core/session.ts';
import { compareResults, formatComparison, outcomeOf } from '../../eval/compare.ts';
import { BUILTIN, type OpenedEval, resumeEval, startEval } from '../../eval/open-eval.ts';
import { formatProgress } from '../../eval/progress.ts';
import { duration, summaryRows, usd } from '../../eval/report.ts';
import { instanceRecord, parseResultsDocument } from '../../eval/results-document.ts';
import { REPORT_FILE, RESULTS_FILE, writeResults } from '../../eval/results-files.ts';
import { runEval } from '../../eval/run-eval.ts';
import type { EvalTask } from '../../eval/task-set.ts';
import { createGithubForge } from '../../forge/github-forge.ts';
import { friendSpecFromEnv, modelSpecFromEnv } from '../../models/router.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import type { EmbeddedOptions } from '../cli-context.ts';
import { dataHome } from '../data-home.ts';
import { executeOnWorkers } from '../eval-on-workers.ts';
import { EXIT } from '../exit-codes.ts';
import { openSharedQueue, positiveInteger, requireSharedQueue } from '../open-queue.ts';
import { REASONING_HELP } from '../reasoning-flag.ts';
import { sandboxChoice } from '../sandbox-flags.ts';
import { sweepAtStartup } from '../startup-sweep.ts';
import { DRYDOCK_VERSION } from '../version.ts';

interface EvalFlags {
  model?: string;
  concurrency?: string;
  out?: string;
  limit?: string;
  filter?: string;
  resume?: string;
  builtin?: boolean;
  hints?: boolean;
  workers?: boolean;
  sandbox?: string;
  scriptModelsDir?: string;
  friendModel?: string;
  reasoning?: string;
}

/** `drydock eval <tasks.jsonl>` and `drydock eval compare A B` (docs/eval.md). */
export function registerEvalCommands(
  program: Command,
  embedded: (options: EmbeddedOptions) => Promise<SessionDeps>,
  setExitCode: (code: number) => void,
): void {
  const command = program
    .command('eval')
    .description(
      'Run a SWE-bench-style task set through drydock and grade each delivered change with its hidden tests',
    )
    .argument('[tasks]', 'a JSONL task file (SWE-bench, Multi-SWE-bench or SWE-PolyBench format)')
    .option(
      '--model <spec>',
      'provider:model, or oracle (applies each reference fix) or null (gives up at once)',
    )
    .option('--concurrency <n>', 'instances at a time (default 1)')
    .option(
      '--out <dir>',
      'where results.json and report.md go (default ./drydock-eval/<name>-<model>-<time>)',
    )
    .option('--limit <k>', 'the first k instances (after --filter)')
    .option('--filter <regex>', 'only instances whose instance_id matches')
    .option('--resume <dir>', 'continue an interrupted evaluation from its --out directory')
    .option('--builtin', 'the built-in task set: small generated repositories, runs offline')
    .option('--hints', "give the agent the dataset's hints_text with the problem statement")
    .option(
      '--friend-model <provider:model>',
      'a stronger model the coder may consult (default: $DRYDOCK_FRIEND_MODEL, else none)',
    )
    .option(
      '--workers',
      "run the sessions on the shared queue's workers (Postgres: drydock worker, drydock up)",
    )
    .option(
      '--script-models-dir <dir>',
      "with --workers: where the workers read script: models (the oracle's and null's scripts go there; default <DRYDOCK_HOME>/scripts)",
    )
    .option('--sandbox <kind>', 'for grading and in-process sessions: bubblewrap (default) or none')
    .option('--reasoning <effort>', `${REASONING_HELP}; with --workers, the workers' own applies`)
    .action(async (tasks: string | undefined, flags: EvalFlags) => {
      const sandbox = sandboxChoice(flags.sandbox, process.env);
      // With --workers, session models resolve here as on the workers: script: names in their directory.
      const scriptsDir = workerScripts(flags);
      const deps = await embedded({
        sandbox,
        ...(scriptsDir ? { scriptsDir } : {}),
        ...(flags.reasoning === undefined ? {} : { reasoning: flags.reasoning }),
      });
      setExitCode(await evalCommand(deps, tasks, flags, process.stdout));
    });
  command
    .command('compare')
    .description('Compare two evaluations: per-instance differences and the deltas of their figures')
    .argument('<a>', 'the --out directory (or results.json) of the first run')
    .argument('<b>', 'the --out directory (or results.json) of the second run')
    .action(async (a: string, b: string) => {
      const [left, right] = await Promise.all([readResults(a), readResults(b)]);
      process.stdout.write(formatComparison(left, right, compareResults(left, right)));
    });
}

async function readResults(path: string) {
  const file = path.endsWith('.json') ? resolve(path) : join(resolve(path), RESULTS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new BadInputError('invalid_eval_results', `No results at ${file}: give an eval's --out directory.`);
  }
  return parseResultsDocument(text, file);
}

/** Starts or resumes an evaluation and runs it with a progress line; returns the exit code. */
export async function evalCommand(
  deps: SessionDeps,
  tasksArg: string | undefined,
  flags: EvalFlags,
  out: NodeJS.WriteStream,
): Promise<number> {
  const queue = flags.workers
    ? requireSharedQueue(openSharedQueue(process.env, deps.home, deps.clock), 'drydock eval --workers')
    : null;
  try {
    return await evalWith(deps, queue, tasksArg, flags, out);
  } finally {
    await queue?.close();
  }
}

async function evalWith(
  deps: SessionDeps,
  queue: Queue | null,
  tasksArg: string | undefined,
  flags: EvalFlags,
  out: NodeJS.WriteStream,
): Promise<number> {
  const opened = await open(deps, tasksArg, flags);
  await deps.sandboxes.check();
  await sweepAtStartup(deps);
  const { run, outDir } = opened;
  out.write(
    `drydock eval ${run.id}: ${run.total} instance${run.total === 1 ? '' : 's'} of ${run.dataset} with ${run.model}, ${run.settings.concurrency} at a time\n` +
      `results: ${join(outDir, RESULTS_FILE)} · report: ${join(outDir, REPORT_FILE)}\n`,
  );

  const handOff = new AbortController();
  const cancel = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts === 1) {
      out.write(`\nstopping: sessions pause after their current step (Ctrl-C again to cancel them)\n`);
      handOff.abort();
    } else if (interrupts === 2) {
      out.write('\ncancelling the sessions in flight (Ctrl-C again to quit at once)\n');
      cancel.abort();
    } else {
      process.exit(EXIT.cancelled);
    }
  };
  process.on('SIGINT', onSigint);

  const instances = new Map<string, EvalInstance>();
  const tty = out.isTTY === true;
  const started = Date.now();
  let finishedHere = 0;
  let writes = Promise.resolve();
  const progress = () =>
    formatProgress({
      summary: summarizeEval([...instances.values()]),
      finishedHere,
      elapsedMs: Date.now() - started,
      ...(tty ? { width: out.columns } : {}),
    });
  const onInstance = (instance: EvalInstance, task: EvalTask) => {
    const before = instances.get(instance.instanceId);
    instances.set(instance.instanceId, instance);
    const line = instanceLine(instance, task, before);
    if (line !== null) {
      if (outcomeOf(instanceRecord(instance)) !== 'unfinished') finishedHere += 1;
      out.write(tty ? `\r\x1b[K${line}\n${progress()}` : `${line}\n`);
    }
    writes = writes.then(() => writeResults(outDir, run, [...instances.values()]));
  };
  for (const instance of await deps.store.listEvalInstances(run.id))
    instances.set(instance.instanceId, instance);
  if (tty) out.write(progress());
  try {
    const ended = await runEval(deps, opened.parts, {
      run,
      tasks: opened.tasks,
      concurrency: run.settings.concurrency,
      signal: cancel.signal,
      handOff: handOff.signal,
      onInstance,
      ...(queue
        ? {
            execute: executeOnWorkers({
              store: deps.store,
              queue,
              signal: cancel.signal,
              handOff: handOff.signal,
            }),
          }
        : {}),
    });
    await writes;
    await writeResults(outDir, ended.run, ended.instances);
    if (tty) out.write('\r\x1b[K');
    out.write(`\n${summaryLines(summarizeEval(ended.instances))}`);
    if (ended.run.state !== 'finished') {
      out.write(`\ninterrupted: continue with drydock eval --resume ${outDir}\n`);
      return EXIT.cancelled;
    }
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function open(deps: SessionDeps, tasksArg: string | undefined, flags: EvalFlags): Promise<OpenedEval> {
  const concurrency =
    flags.concurrency === undefined ? null : positiveInteger(flags.concurrency, '--concurrency');
  if (flags.resume !== undefined) {
    if (
      tasksArg !== undefined ||
      flags.builtin ||
      flags.model ||
      flags.friendModel ||
      flags.limit ||
      flags.filter ||
      flags.out
    ) {
      throw new BadInputError(
        'invalid_flag',
        '--resume continues an evaluation as it was started: give it alone (and --concurrency, if you like).',
      );
    }
    const resumed = await resumeEval(
      deps,
      flags.resume,
      process.cwd(),
      concurrency,
      workerScripts(flags),
      await forgeFromEnv(),
    );
    // The models must think as hard as they did for the instances already run, or the run compares nothing.
    const started = resumed.run.settings.reasoning;
    if (!flags.workers && started !== reasoningSetting(flags)) {
      throw new BadInputError(
        'invalid_flag',
        `This evaluation ran with ${started === null ? 'no reasoning setting' : `--reasoning ${started}`}; resume it with ${started === null ? 'none (unset DRYDOCK_REASONING)' : `--reasoning ${started}`}.`,
      );
    }
    return resumed;
  }
  if ((tasksArg === undefined) === (flags.builtin !== true)) {
    throw new BadInputError(
      'invalid_flag',
      'Give a task file (drydock eval tasks.jsonl) or --builtin, one of the two; --resume DIR continues one.',
    );
  }
  if (flags.filter !== undefined) {
    try {
      new RegExp(flags.filter);
    } catch (error) {
      throw new BadInputError(
        'invalid_flag',
        `--filter is not a regular expression: ${(error as Error).message}`,
      );
    }
  }
  return startEval(
    deps,
    {
      dataset: flags.builtin ? BUILTIN : (tasksArg as string),
      model: modelSpecFromEnv(flags.model, process.env),
      settings: {
        concurrency: concurrency ?? 1,
        limit: flags.limit === undefined ? null : positiveInteger(flags.limit, '--limit'),
        filter: flags.filter ?? null,
        hints: flags.hints ?? false,
        friendModel: friendSpecFromEnv(flags.friendModel, process.env) ?? null,
        reasoning: reasoningSetting(flags),
      },
      ...(flags.out ? { outDir: flags.out } : {}),
      drydockVersion: DRYDOCK_VERSION,
      workerScriptsDir: workerScripts(flags),
      forge: await forgeFromEnv(),
    },
    process.cwd(),
  );
}

/** The reasoning effort this process runs models with: `--reasoning`, else DRYDOCK_REASONING; null: unset. */
function reasoningSetting(flags: EvalFlags): string | null {
  return flags.reasoning?.trim() || process.env.DRYDOCK_REASONING?.trim() || null;
}

/** With --workers, where the workers read `script:` models from; null without. */
function workerScripts(flags: EvalFlags): string | null {
  if (!flags.workers) return null;
  return resolve(flags.scriptModelsDir?.trim() || join(dataHome(process.env), 'scripts'));
}

/** A line when an instance starts or ends; null for other changes. */
function instanceLine(
  instance: EvalInstance,
  task: EvalTask,
  before: EvalInstance | undefined,
): string | null {
  const outcome = outcomeOf(instanceRecord(instance));
  if (outcome === 'unfinished') {
    if (instance.status === 'running' && before?.status !== 'running') {
      return `  … ${task.instanceId}: session ${instance.sessionId}`;
    }
    return null;
  }
  const cost = `${duration(instance.wallMs)}, ${describeCost(instance.usage, usd)}`;
  const mark = outcome === 'resolved' ? '✓' : outcome === 'bad delivery' ? '✗' : '-';
  const why =
    outcome === 'bad delivery'
      ? (instance.grading?.error ?? `not passing: ${instance.grading?.notPassing.slice(0, 3).join(', ')}`)
      : outcome === 'resolved'
        ? ''
        : (instance.reason?.split('\n')[0]?.slice(0, 160) ?? '');
  return `${mark} ${task.instanceId}: ${outcome} (${cost})${why ? ` — ${why}` : ''}`;
}

/** The headline figures, for the terminal. */
function summaryLines(summary: EvalSummary): string {
  return `${summaryRows(summary)
    .map(([name, value]) => `${name.padEnd(42)} ${value}`)
    .join('\n')}\n`;
}

/** The GitHub forge a task set's `owner/name` repositories are cloned with, as `drydock up` configures it. */
async function forgeFromEnv(): Promise<Forge | null> {
  // The server's trigger configuration (every forge's and tracker's SDK) loads only when eval needs a token.
  const { githubTokensFromEnv } = await import('../../server/trigger-config.ts');
  const tokens = await githubTokensFromEnv(process.env);
  if (!tokens) return null;
  return createGithubForge({
    tokens,
    ...(process.env.DRYDOCK_GITHUB_API_URL ? { baseUrl: process.env.DRYDOCK_GITHUB_API_URL } : {}),
  });
}
