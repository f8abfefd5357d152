import { z } from 'zod';
import { EVAL_INSTANCE_STATUSES, EVAL_RUN_STATES } from '../core/eval.ts';
import { usageSchema } from './api-schemas.ts';

/** What /api/evals answers (docs/api.md, docs/eval.md), as zod schemas: see api-schemas.ts. */

const count = z.number().int();
const rate = z
  .number()
  .nullable()
  .meta({ description: 'A fraction from 0 to 1; null while nothing finished' });
const tally = z.object({ passed: count, total: count });

export const evalRunSchema = z
  .object({
    id: z.string(),
    name: z.string().meta({ description: "The task file's base name, or builtin" }),
    dataset: z.string(),
    model: z.string().meta({ description: 'provider:model, oracle or null' }),
    state: z.enum(EVAL_RUN_STATES),
    total: count.meta({ description: 'Instances selected (after --filter and --limit)' }),
    settings: z.object({
      concurrency: count,
      limit: count.nullable(),
      filter: z.string().nullable(),
      hints: z.boolean(),
      friendModel: z.string().nullable().meta({ description: "The sessions' smart friend, or null" }),
      reasoning: z.string().nullable().meta({ description: 'The reasoning effort it ran with, or null' }),
    }),
    outDir: z.string().nullable(),
    drydockVersion: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'EvalRun' });

export const evalSummarySchema = z
  .object({
    total: count,
    finished: count.meta({ description: 'Ended and, if delivered, graded: rates are over these' }),
    delivered: count,
    resolved: count,
    badDeliveries: count.meta({ description: 'Delivered and not resolved' }),
    bowedOut: count,
    failed: count,
    gradingErrors: count,
    resolveRate: rate,
    deliveredRate: rate,
    precision: z
      .number()
      .nullable()
      .meta({ description: 'Resolved ÷ delivered; null when nothing delivered' }),
    badDeliveryRate: rate,
    bowOutRate: rate,
    costUsd: z.number(),
    costUnknown: z.boolean().meta({ description: 'Some model call had no known price: costs leave it out' }),
    costPerResolvedUsd: z.number().nullable(),
    inputTokens: count,
    outputTokens: count,
    wallMsP50: z.number().nullable(),
    wallMsP95: z.number().nullable(),
  })
  .meta({ id: 'EvalSummary' });

export const evalRepoSummarySchema = z
  .object({
    repo: z.string(),
    total: count,
    finished: count,
    delivered: count,
    resolved: count,
    badDeliveries: count,
    costUsd: z.number(),
    costUnknown: z.boolean(),
  })
  .meta({ id: 'EvalRepoSummary' });

export const evalInstanceSchema = z
  .object({
    runId: z.string(),
    instanceId: z.string(),
    repo: z.string(),
    status: z.enum(EVAL_INSTANCE_STATUSES),
    sessionId: z.string().nullable(),
    resolved: z.boolean().nullable().meta({ description: 'Null until graded' }),
    grading: z
      .object({
        resolved: z.boolean(),
        failToPass: tally,
        passToPass: tally,
        notPassing: z.array(z.string()),
        error: z.string().nullable(),
        durationMs: z.number(),
      })
      .nullable(),
    reason: z.string().nullable(),
    steps: count,
    usage: usageSchema,
    wallMs: z.number().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'EvalInstance' });
