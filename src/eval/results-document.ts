import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import type { EvalInstance, EvalRun } from '../core/eval.ts';
import {
  type EvalRepoSummary,
  type EvalSummary,
  summarizeByRepo,
  summarizeEval,
} from '../core/eval-summary.ts';

/** The format of DIR/results.json; a reader refuses others rather than misreading them. */
export const RESULTS_FORMAT = 'drydock-eval-results/1';

/** One instance in results.json, with SWE-bench's names where SWE-bench has one. */
export interface InstanceRecord {
  instance_id: string;
  repo: string;
  status: EvalInstance['status'];
  /** Null: not graded yet (or not finished). */
  resolved: boolean | null;
  fail_to_pass: { passed: number; total: number } | null;
  pass_to_pass: { passed: number; total: number } | null;
  not_passing: string[];
  grading_error: string | null;
  /** Why it bowed out or failed. */
  reason: string | null;
  session_id: string | null;
  steps: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  /** Some call's model had no known price: cost_usd leaves it out. */
  cost_unknown: boolean;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  wall_ms: number | null;
}

export interface ResultsDocument {
  format: typeof RESULTS_FORMAT;
  run: Pick<
    EvalRun,
    | 'id'
    | 'name'
    | 'dataset'
    | 'model'
    | 'state'
    | 'total'
    | 'settings'
    | 'drydockVersion'
    | 'createdAt'
    | 'updatedAt'
  >;
  summary: EvalSummary;
  by_repo: EvalRepoSummary[];
  instances: InstanceRecord[];
}

/** results.json's content for a run and its instances. Pure. */
export function resultsDocument(run: EvalRun, instances: readonly EvalInstance[]): ResultsDocument {
  const { id, name, dataset, model, state, total, settings, drydockVersion, createdAt, updatedAt } = run;
  return {
    format: RESULTS_FORMAT,
    run: { id, name, dataset, model, state, total, settings, drydockVersion, createdAt, updatedAt },
    summary: summarizeEval(instances),
    by_repo: summarizeByRepo(instances),
    instances: instances.map(instanceRecord),
  };
}

export function instanceRecord(instance: EvalInstance): InstanceRecord {
  return {
    instance_id: instance.instanceId,
    repo: instance.repo,
    status: instance.status,
    resolved: instance.resolved,
    fail_to_pass: instance.grading?.failToPass ?? null,
    pass_to_pass: instance.grading?.passToPass ?? null,
    not_passing: instance.grading?.notPassing ?? [],
    grading_error: instance.grading?.error ?? null,
    reason: instance.reason,
    session_id: instance.sessionId,
    steps: instance.steps,
    input_tokens: instance.usage.inputTokens,
    output_tokens: instance.usage.outputTokens,
    cost_usd: instance.usage.costUsd,
    cost_unknown: instance.usage.costUnknown === true,
    cache_read_tokens: instance.usage.cacheReadTokens ?? 0,
    cache_write_tokens: instance.usage.cacheWriteTokens ?? 0,
    reasoning_tokens: instance.usage.reasoningTokens ?? 0,
    wall_ms: instance.wallMs,
  };
}

const tally = z.object({ passed: z.number(), total: z.number() }).nullable();

/** What compare needs from a results file; other fields are kept as they are but not required. */
const documentSchema = z.looseObject({
  format: z.literal(RESULTS_FORMAT),
  run: z.looseObject({
    name: z.string(),
    model: z.string(),
    dataset: z.string(),
    drydockVersion: z.string(),
  }),
  instances: z.array(
    z.looseObject({
      instance_id: z.string(),
      repo: z.string(),
      status: z.enum(['pending', 'running', 'delivered', 'bowed_out', 'failed']),
      resolved: z.boolean().nullable(),
      fail_to_pass: tally,
      pass_to_pass: tally,
      cost_usd: z.number(),
      cost_unknown: z.boolean().default(false),
      wall_ms: z.number().nullable(),
    }),
  ),
});

/**
 * Reads a results.json (its text; `source` names it in errors). Throws BadInputError
 * `invalid_eval_results` naming the first problem.
 */
export function parseResultsDocument(text: string, source: string): ResultsDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BadInputError('invalid_eval_results', `${source} is not JSON: is it an eval's results.json?`);
  }
  const parsed = documentSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(top level)';
    throw new BadInputError(
      'invalid_eval_results',
      `${source} is not a drydock eval results file (${RESULTS_FORMAT}): ${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data as unknown as ResultsDocument;
}
