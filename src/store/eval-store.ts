import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { z } from 'zod';
import { ConflictError, InternalError, NotFoundError } from '../core/errors.ts';
import {
  EVAL_INSTANCE_STATUSES,
  EVAL_RUN_STATES,
  type EvalGrading,
  type EvalInstance,
  type EvalRun,
  type EvalSettings,
} from '../core/eval.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Store } from '../core/ports/store.ts';
import type { Database, EvalInstancesTable, EvalRunsTable } from './database.ts';
import { toJson, toText, usageBreakdownColumns, usageFromRow } from './rows.ts';

type EvalMethods = Pick<
  Store,
  | 'createEvalRun'
  | 'getEvalRun'
  | 'listEvalRuns'
  | 'setEvalRunState'
  | 'saveEvalInstance'
  | 'listEvalInstances'
>;

const count = z.number().int().nonnegative();
const tally = z.object({ passed: count, total: count });

/** The JSON columns are read through these, never cast: a row another drydock wrote may not fit. */
const settingsSchema = z.object({
  concurrency: count,
  limit: count.nullable(),
  filter: z.string().nullable(),
  // Runs stored before the setting existed did not give hints.
  hints: z.boolean().default(false),
  friendModel: z.string().nullable().default(null),
  reasoning: z.string().nullable().default(null),
}) satisfies z.ZodType<EvalSettings, unknown>;

const gradingSchema = z.object({
  resolved: z.boolean(),
  failToPass: tally,
  passToPass: tally,
  notPassing: z.array(z.string()),
  error: z.string().nullable(),
  durationMs: z.number().nonnegative(),
}) satisfies z.ZodType<EvalGrading>;

/**
 * The Store's evaluation methods, in SQL that SQLite and Postgres both run. Saving an instance touches
 * its run's `updatedAt` too: the run's last activity.
 */
export function evalStoreMethods(db: Kysely<Database>, deps: { clock: Clock }): EvalMethods {
  const now = (): string => deps.clock.now().toISOString();
  return {
    async createEvalRun(run) {
      const at = now();
      const stored: EvalRun = {
        ...run,
        name: toText(run.name),
        dataset: toText(run.dataset),
        model: toText(run.model),
        outDir: run.outDir === null ? null : toText(run.outDir),
        drydockVersion: toText(run.drydockVersion),
        createdAt: at,
        updatedAt: at,
      };
      // Insert-or-nothing: of two runs created with one id the loser gets this error, not a key violation.
      const inserted = await db
        .insertInto('eval_runs')
        .values({
          id: stored.id,
          name: stored.name,
          dataset: stored.dataset,
          model: stored.model,
          state: stored.state,
          total: stored.total,
          settings: toJson(stored.settings, `the settings of evaluation run ${stored.id}`),
          out_dir: stored.outDir,
          drydock_version: stored.drydockVersion,
          created_at: stored.createdAt,
          updated_at: stored.updatedAt,
        })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows === 0n) {
        throw new ConflictError(
          'eval_run_exists',
          `Evaluation run ${run.id} already exists; start the new run with a fresh id, or resume that one.`,
        );
      }
      return stored;
    },

    async getEvalRun(id) {
      const row = await db.selectFrom('eval_runs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromEvalRunRow(row) : null;
    },

    async listEvalRuns() {
      const rows = await db
        .selectFrom('eval_runs')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(fromEvalRunRow);
    },

    async setEvalRunState(id, state) {
      return db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('eval_runs')
          .set({ state, updated_at: now() })
          .where('id', '=', id)
          .executeTakeFirst();
        if (updated.numUpdatedRows === 0n) throw evalRunNotFound(id);
        const row = await trx
          .selectFrom('eval_runs')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        return fromEvalRunRow(row);
      });
    },

    async saveEvalInstance(instance) {
      const runId = instance.runId;
      const instanceId = toText(instance.instanceId);
      // Read committed whatever the server's default, as in record(): a save that waited for the run's
      // lock then sees the positions the save before it committed.
      const transaction = db.transaction().setIsolationLevel('read committed');
      return transaction.execute(async (trx) => {
        const at = now();
        // Updating the run first proves it exists and, on Postgres, locks its row until commit, so two
        // saves of new instances of one run take positions one after the other instead of the same one.
        const touched = await trx
          .updateTable('eval_runs')
          .set({ updated_at: at })
          .where('id', '=', runId)
          .executeTakeFirst();
        if (touched.numUpdatedRows === 0n) throw evalRunNotFound(runId);

        const columns = toEvalInstanceColumns({ ...instance, updatedAt: at });
        const existing = await trx
          .selectFrom('eval_instances')
          .select('position')
          .where('run_id', '=', runId)
          .where('instance_id', '=', instanceId)
          .executeTakeFirst();
        if (existing) {
          await trx
            .updateTable('eval_instances')
            .set(columns)
            .where('run_id', '=', runId)
            .where('instance_id', '=', instanceId)
            .execute();
        } else {
          const position = await nextPosition(trx, runId);
          await trx
            .insertInto('eval_instances')
            .values({ run_id: runId, instance_id: instanceId, position, ...columns })
            .execute();
        }
        // Read back, so the caller gets exactly what a later list returns.
        const row = await trx
          .selectFrom('eval_instances')
          .selectAll()
          .where('run_id', '=', runId)
          .where('instance_id', '=', instanceId)
          .executeTakeFirstOrThrow();
        return fromEvalInstanceRow(row);
      });
    },

    async listEvalInstances(runId) {
      const rows = await db
        .selectFrom('eval_instances')
        .selectAll()
        .where('run_id', '=', runId)
        .orderBy('position')
        .execute();
      return rows.map(fromEvalInstanceRow);
    },
  };
}

type InstanceColumns = Omit<Insertable<EvalInstancesTable>, 'run_id' | 'instance_id' | 'position'>;

function toEvalInstanceColumns(instance: EvalInstance): InstanceColumns {
  return {
    repo: toText(instance.repo),
    status: instance.status,
    session_id: instance.sessionId,
    resolved: instance.resolved === null ? null : instance.resolved ? 1 : 0,
    grading:
      instance.grading === null
        ? null
        : toJson(instance.grading, `the grading of instance ${instance.instanceId} of run ${instance.runId}`),
    reason: instance.reason === null ? null : toText(instance.reason),
    steps: instance.steps,
    input_tokens: instance.usage.inputTokens,
    output_tokens: instance.usage.outputTokens,
    cost_usd: instance.usage.costUsd,
    ...usageBreakdownColumns(instance.usage),
    wall_ms: instance.wallMs,
    updated_at: instance.updatedAt,
  };
}

async function nextPosition(trx: Transaction<Database>, runId: string): Promise<number> {
  const last = await trx
    .selectFrom('eval_instances')
    .select('position')
    .where('run_id', '=', runId)
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last === undefined ? 0 : last.position + 1;
}

function fromEvalRunRow(row: Selectable<EvalRunsTable>): EvalRun {
  const state = EVAL_RUN_STATES.find((known) => known === row.state);
  if (state === undefined) throw unreadable(`Evaluation run ${row.id} has unknown state "${row.state}"`);
  return {
    id: row.id,
    name: row.name,
    dataset: row.dataset,
    model: row.model,
    state,
    total: row.total,
    settings: parseJson(settingsSchema, row.settings, `the settings of evaluation run ${row.id}`),
    outDir: row.out_dir,
    drydockVersion: row.drydock_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function fromEvalInstanceRow(row: Selectable<EvalInstancesTable>): EvalInstance {
  const what = `instance ${row.instance_id} of evaluation run ${row.run_id}`;
  const status = EVAL_INSTANCE_STATUSES.find((known) => known === row.status);
  if (status === undefined) throw unreadable(`The ${what} has unknown status "${row.status}"`);
  return {
    runId: row.run_id,
    instanceId: row.instance_id,
    repo: row.repo,
    status,
    sessionId: row.session_id,
    resolved: row.resolved === null ? null : row.resolved === 1,
    grading: row.grading === null ? null : parseJson(gradingSchema, row.grading, `the grading of ${what}`),
    reason: row.reason,
    steps: row.steps,
    usage: usageFromRow(row),
    wallMs: row.wall_ms,
    updatedAt: row.updated_at,
  };
}

function parseJson<T>(schema: z.ZodType<T>, json: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw unreadable(`Cannot read ${what}: it is not JSON`, error);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw unreadable(`Cannot read ${what}: ${z.prettifyError(result.error)}`, result.error);
}

function unreadable(message: string, cause?: unknown): InternalError {
  return new InternalError(
    'eval_row_unreadable',
    `${message} in the store; it may come from a newer drydock, or be damaged.`,
    cause === undefined ? {} : { cause },
  );
}

function evalRunNotFound(id: string): NotFoundError {
  return new NotFoundError(
    'eval_run_not_found',
    `Evaluation run ${id} does not exist; check the id against the list of evaluation runs.`,
  );
}
