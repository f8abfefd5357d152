import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import type { EvalRun, EvalSettings } from '../core/eval.ts';
import type { Forge } from '../core/ports/forge.ts';
import { tryGit } from '../forge/git.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { writeBuiltinTaskSet } from './builtin/builtin-task-set.ts';
import { sessionStart } from './dataset-config.ts';
import { gradeInstance } from './grade-instance.ts';
import { createInstanceRepos } from './instance-repo.ts';
import { nullScript, oracleScript } from './model-scripts.ts';
import { NULL_MODEL, ORACLE_MODEL } from './report.ts';
import { RUN_FILE, type RunPointer, writeRunPointer } from './results-files.ts';
import type { EvalParts } from './run-eval.ts';
import { type EvalTask, readTaskSet, selectTasks } from './task-set.ts';

/** The dataset name of the built-in task set. */
export const BUILTIN = 'builtin';

export interface NewEvalOptions {
  /** A task file, or BUILTIN. */
  dataset: string;
  model: string;
  settings: EvalSettings;
  /** Default: ./drydock-eval/<name>-<date>. */
  outDir?: string;
  drydockVersion: string;
  /**
   * Sessions run on the shared queue's workers, which read `script:` models from this directory: the
   * self-check scripts go there.
   */
  workerScriptsDir?: string | null;
  /** Clones the task set's `owner/name` repositories; without one they are refused with how to configure one. */
  forge?: Forge | null;
}

export interface OpenedEval {
  run: EvalRun;
  tasks: EvalTask[];
  outDir: string;
  parts: EvalParts;
}

/**
 * A new evaluation: reads and selects the tasks, checks the model, creates the output directory and the
 * run (in the store, and a pointer in DIR/run.json that `--resume` reads). Nothing is created when the
 * input is bad.
 */
export async function startEval(
  deps: SessionDeps,
  options: NewEvalOptions,
  cwd: string,
): Promise<OpenedEval> {
  const builtin = options.dataset === BUILTIN;
  const dataset = builtin ? BUILTIN : resolve(cwd, options.dataset);
  const name = builtin ? BUILTIN : basename(dataset).replace(/\.jsonl?$/, '');
  const stamp = new Date(deps.clock.now()).toISOString().replace(/[:.]/g, '-');
  const outDir = resolve(
    cwd,
    options.outDir ?? join('drydock-eval', `${name}-${options.model.replace(/[^\w.-]+/g, '_')}-${stamp}`),
  );
  if (existsSync(join(outDir, RUN_FILE))) {
    throw new BadInputError(
      'invalid_flag',
      `${outDir} holds an evaluation already; continue it with --resume ${outDir}, or pick another --out.`,
    );
  }
  if (options.model !== ORACLE_MODEL && options.model !== NULL_MODEL) deps.models(options.model);
  await mkdir(outDir, { recursive: true });
  const tasks = selectTasks(await loadTasks(dataset, outDir), {
    filter: options.settings.filter === null ? null : new RegExp(options.settings.filter),
    limit: options.settings.limit,
  });
  if (tasks.length === 0) {
    throw new BadInputError(
      'invalid_flag',
      `No instance of ${dataset} matches --filter ${options.settings.filter}.`,
    );
  }
  const run = await deps.store.createEvalRun({
    id: deps.ids.next(),
    name,
    dataset,
    model: options.model,
    state: 'running',
    total: tasks.length,
    settings: options.settings,
    outDir,
    drydockVersion: options.drydockVersion,
  });
  const pointer: RunPointer = { runId: run.id, dataset, model: options.model };
  await writeRunPointer(outDir, pointer);
  return {
    run,
    tasks,
    outDir,
    parts: evalParts(deps, run, outDir, options.workerScriptsDir ?? null, options.forge ?? null),
  };
}

/**
 * An evaluation to continue, from its output directory: the same run, task file, selection and
 * model. `concurrency` may change.
 */
export async function resumeEval(
  deps: SessionDeps,
  dir: string,
  cwd: string,
  concurrency: number | null,
  workerScriptsDir: string | null = null,
  forge: Forge | null = null,
): Promise<OpenedEval> {
  const outDir = resolve(cwd, dir);
  const pointer = await readPointer(outDir);
  const stored = await deps.store.getEvalRun(pointer.runId);
  if (stored === null) {
    throw new BadInputError(
      'eval_not_found',
      `${outDir} is evaluation ${pointer.runId}, which this drydock's store does not hold: resume with the DRYDOCK_HOME (or DRYDOCK_DATABASE_URL) it ran with.`,
    );
  }
  const run =
    concurrency === null || concurrency === stored.settings.concurrency
      ? stored
      : { ...stored, settings: { ...stored.settings, concurrency } };
  const tasks = selectTasks(await loadTasks(stored.dataset, outDir), {
    filter: run.settings.filter === null ? null : new RegExp(run.settings.filter),
    limit: run.settings.limit,
  });
  return { run, tasks, outDir, parts: evalParts(deps, run, outDir, workerScriptsDir, forge) };
}

async function readPointer(outDir: string): Promise<RunPointer> {
  let text: string;
  try {
    text = await readFile(join(outDir, RUN_FILE), 'utf8');
  } catch {
    throw new BadInputError(
      'eval_not_found',
      `${outDir} holds no evaluation (no ${RUN_FILE}): give --resume the --out directory of an earlier drydock eval.`,
    );
  }
  const pointer = JSON.parse(text) as Partial<RunPointer>;
  if (typeof pointer.runId !== 'string') {
    throw new BadInputError('eval_not_found', `${join(outDir, RUN_FILE)} names no run.`);
  }
  return pointer as RunPointer;
}

async function loadTasks(dataset: string, outDir: string): Promise<EvalTask[]> {
  if (dataset !== BUILTIN) return readTaskSet(dataset);
  // Generated again on resume, byte for byte: the built-in repositories are deterministic.
  return readTaskSet(await writeBuiltinTaskSet(join(outDir, BUILTIN)));
}

/**
 * The instance steps for a run whose output directory is `outDir`. The self-check models' scripts go
 * to DIR/scripts, or for workers to `eval-<run>/` in the directory they read `script:` models from.
 */
function evalParts(
  deps: SessionDeps,
  run: EvalRun,
  outDir: string,
  workerScriptsDir: string | null,
  forge: Forge | null,
): EvalParts {
  const scripts = workerScriptsDir
    ? { dir: join(workerScriptsDir, `eval-${run.id}`), spec: (file: string) => `eval-${run.id}/${file}` }
    : { dir: join(outDir, 'scripts'), spec: (file: string) => join(outDir, 'scripts', file) };
  // A task's relative repo paths are read from its task file's directory (the built-in set's is DIR/builtin).
  const baseDir = run.dataset === BUILTIN ? join(outDir, BUILTIN) : dirname(run.dataset);
  const repos = createInstanceRepos({ outDir, baseDir, forge });
  return {
    async repository(task) {
      const { path } = await repos.prepare(task);
      return { path, start: await sessionStart(path, task) };
    },
    async sessionModel(task, repoPath) {
      if (run.model !== ORACLE_MODEL && run.model !== NULL_MODEL) return run.model;
      const script =
        run.model === NULL_MODEL
          ? nullScript()
          : await oracleScript(task.patch, (path) =>
              tryGit(['show', `${task.baseCommit}:${path}`], { cwd: repoPath }),
            );
      await mkdir(scripts.dir, { recursive: true });
      const file = `${safeName(task.instanceId)}.json`;
      await writeFile(join(scripts.dir, file), `${JSON.stringify(script, null, 2)}\n`);
      return `script:${scripts.spec(file)}`;
    },
    grade: (task, repoPath, commit, signal) =>
      gradeInstance(
        deps,
        {
          repo: repoPath,
          baseCommit: task.baseCommit,
          commit,
          testPatch: task.testPatch,
          failToPass: task.failToPass,
          passToPass: task.passToPass,
          ...(task.testCommand ? { testCommand: task.testCommand } : {}),
          ...(task.setup ? { setup: task.setup } : {}),
        },
        signal,
      ),
  };
}

/** A file name for an instance id (`astropy__astropy-12907`, `org/repo#12`). Pure. */
export function safeName(id: string): string {
  return id.replace(/[^\w.-]+/g, '_').slice(0, 120);
}
