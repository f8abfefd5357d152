/**
 * Evaluation runs (`drydock eval`): a task set run through the normal session pipeline, each delivered
 * change graded with the instance's hidden tests, SWE-bench style. docs/eval.md.
 */

import type { Usage } from './session.ts';

/** What became of an instance's session. `pending`: not started yet; `running`: its session is. */
export const EVAL_INSTANCE_STATUSES = ['pending', 'running', 'delivered', 'bowed_out', 'failed'] as const;
export type EvalInstanceStatus = (typeof EVAL_INSTANCE_STATUSES)[number];

/** `running` while instances are left; `interrupted` after Ctrl-C or a crash (resume it); `finished`. */
export const EVAL_RUN_STATES = ['running', 'interrupted', 'finished'] as const;
export type EvalRunState = (typeof EVAL_RUN_STATES)[number];

/** One evaluation: a task set, a model and its settings, and its instances' results. */
export interface EvalRun {
  id: string;
  /** A short name: the task file's base name, or `builtin`. */
  name: string;
  /** The task file as given (absolute), or `builtin`. */
  dataset: string;
  /** The model spec as given: `provider:model`, `oracle` or `null`. */
  model: string;
  state: EvalRunState;
  /** Instances selected (after --filter and --limit). */
  total: number;
  settings: EvalSettings;
  /** Where results.json and report.md are written; null when none (an eval started elsewhere). */
  outDir: string | null;
  /** drydock's version that ran it (compare runs across versions). */
  drydockVersion: string;
  createdAt: string;
  updatedAt: string;
}

export interface EvalSettings {
  concurrency: number;
  limit: number | null;
  filter: string | null;
  /** The dataset's hints_text is given to the agent with the problem statement. */
  hints: boolean;
  /** The sessions' smart friend (`provider:model`), or null: none. */
  friendModel: string | null;
  /** `--reasoning` (else DRYDOCK_REASONING) as the run started with it; null: the providers' default. */
  reasoning: string | null;
}

export type NewEvalRun = Omit<EvalRun, 'createdAt' | 'updatedAt'>;

/** Passed of total for one list of tests (FAIL_TO_PASS or PASS_TO_PASS). */
export interface TestTally {
  passed: number;
  total: number;
}

/** How the hidden tests judged a delivered change. */
export interface EvalGrading {
  /** Every FAIL_TO_PASS and every PASS_TO_PASS test passed. */
  resolved: boolean;
  failToPass: TestTally;
  passToPass: TestTally;
  /** Tests of either list that did not pass (failed, skipped or missing), at most 50. */
  notPassing: string[];
  /** Grading itself could not be done (the test patch did not apply, no results could be read). */
  error: string | null;
  durationMs: number;
}

/** One instance of a run: its session and, once it ended, its result. */
export interface EvalInstance {
  runId: string;
  instanceId: string;
  /** The repository as the task set names it. */
  repo: string;
  status: EvalInstanceStatus;
  sessionId: string | null;
  /** Null until graded: a session that did not deliver is unresolved without grading (false). */
  resolved: boolean | null;
  grading: EvalGrading | null;
  /** Why the session bowed out or failed, or why the instance could not start. */
  reason: string | null;
  steps: number;
  usage: Usage;
  /** From the session's start to the end of grading. */
  wallMs: number | null;
  updatedAt: string;
}

export type EvalInstanceWrite = Omit<EvalInstance, 'updatedAt'>;
