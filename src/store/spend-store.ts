import { type Kysely, PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { Store } from '../core/ports/store.ts';
import {
  limitApplies,
  periodResetsAt,
  periodStart,
  SPEND_PERIODS,
  type SpendLimit,
  type SpendPeriod,
  spendDecision,
} from '../core/spend-limits.ts';
import type { Database } from './database.ts';

type SpendMethods = Pick<
  Store,
  | 'listSpendLimits'
  | 'putSpendLimit'
  | 'deleteSpendLimit'
  | 'spendStatus'
  | 'reserveSpend'
  | 'settleSpend'
  | 'releaseSpend'
>;

/**
 * A reservation older than this no longer counts: its call can take no longer (a silent request is
 * abandoned after 10 minutes, docs/models.md), so its worker died before settling it.
 */
export const RESERVATION_STALE_MS = 60 * 60_000;

/** The Postgres advisory lock every reservation takes: one reservation at a time across workers. */
const SPEND_LOCK_KEY = 0x5eed_d0c;

/**
 * The Store's spend limits and ledger (docs/cost.md), in SQL that SQLite and Postgres both run.
 * Reservations are serialized: on SQLite by the write lock every transaction takes up front (BEGIN
 * IMMEDIATE, node-sqlite-dialect.ts), on Postgres by a transaction-scoped advisory lock, so two
 * workers never both see room for a call that only one of them fits in.
 */
export function spendStoreMethods(
  db: Kysely<Database>,
  deps: { clock: Clock; ids: IdGenerator },
): SpendMethods {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  const spentUnder = async (
    trx: Kysely<Database> | Transaction<Database>,
    limit: SpendLimit,
    now: Date,
  ): Promise<number> => {
    const staleBefore = new Date(now.getTime() - RESERVATION_STALE_MS).toISOString();
    let query = trx
      .selectFrom('spend_ledger')
      .select(sql<number | string>`coalesce(sum(coalesce(cost_usd, reserved_usd)), 0)`.as('spent'))
      .where('at', '>=', periodStart(limit.period, now).toISOString())
      .where((eb) => eb.or([eb('cost_usd', 'is not', null), eb('at', '>=', staleBefore)]));
    if (limit.scope.startsWith('repo:')) query = query.where('repo', '=', limit.scope.slice('repo:'.length));
    else if (limit.scope.startsWith('creator:'))
      query = query.where('creator', '=', limit.scope.slice('creator:'.length));
    const row = await query.executeTakeFirst();
    return Number(row?.spent ?? 0);
  };

  const storedLimits = async (trx: Kysely<Database> | Transaction<Database>): Promise<SpendLimit[]> => {
    const rows = await trx
      .selectFrom('spend_limits')
      .selectAll()
      .orderBy('scope')
      .orderBy('period')
      .execute();
    return rows.flatMap((row): SpendLimit[] =>
      isPeriod(row.period)
        ? [{ scope: row.scope, period: row.period, amountUsd: Number(row.amount_usd), source: 'store' }]
        : [],
    );
  };

  return {
    listSpendLimits: () => storedLimits(db),

    async putSpendLimit(limit) {
      const updatedAt = deps.clock.now().toISOString();
      await db.transaction().execute((trx) =>
        trx
          .insertInto('spend_limits')
          .values({
            scope: limit.scope,
            period: limit.period,
            amount_usd: limit.amountUsd,
            updated_at: updatedAt,
          })
          .onConflict((conflict) =>
            conflict
              .columns(['scope', 'period'])
              .doUpdateSet({ amount_usd: limit.amountUsd, updated_at: updatedAt }),
          )
          .execute(),
      );
      return { scope: limit.scope, period: limit.period, amountUsd: limit.amountUsd, source: 'store' };
    },

    async deleteSpendLimit(scope, period) {
      const deleted = await db
        .transaction()
        .execute((trx) =>
          trx
            .deleteFrom('spend_limits')
            .where('scope', '=', scope)
            .where('period', '=', period)
            .executeTakeFirst(),
        );
      return deleted.numDeletedRows > 0n;
    },

    async spendStatus(limits) {
      const now = deps.clock.now();
      const statuses = [];
      for (const limit of limits) {
        statuses.push({
          ...limit,
          spentUsd: await spentUnder(db, limit, now),
          resetsAt: periodResetsAt(limit.period, now).toISOString(),
        });
      }
      return statuses;
    },

    async reserveSpend(request) {
      return db
        .transaction()
        .setIsolationLevel('read committed')
        .execute(async (trx) => {
          // Under read committed each statement after the lock sees what the lock's last holder committed.
          if (postgres) await sql`select pg_advisory_xact_lock(${SPEND_LOCK_KEY})`.execute(trx);
          const now = deps.clock.now();
          const limits = [...(request.configured ?? []), ...(await storedLimits(trx))].filter((limit) =>
            limitApplies(limit.scope, request),
          );
          const entries = [];
          for (const limit of limits) entries.push({ limit, spentUsd: await spentUnder(trx, limit, now) });
          const refused = spendDecision(entries, request.estimateUsd);
          if (refused) {
            return {
              ok: false,
              refusal: {
                ...refused,
                resetsAt: periodResetsAt(refused.limit.period, now).toISOString(),
                ...(request.estimateUsd > 0 ? { estimateUsd: request.estimateUsd } : {}),
              },
            } as const;
          }
          const id = deps.ids.next();
          // An estimate of 0 only asks: nothing to hold.
          if (request.estimateUsd > 0) {
            await trx
              .insertInto('spend_ledger')
              .values({
                id,
                session_id: request.sessionId,
                repo: request.repo,
                creator: request.creator ?? null,
                at: now.toISOString(),
                reserved_usd: request.estimateUsd,
                cost_usd: null,
              })
              .execute();
          }
          return { ok: true, id } as const;
        });
    },

    // Writes in a transaction, even alone: on SQLite that queues them behind this process's other
    // writers to the file, where a bare statement would block the thread on a lock a reservation holds.
    async settleSpend(id, costUsd) {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('spend_ledger').set({ cost_usd: costUsd }).where('id', '=', id).execute();
      });
    },

    async releaseSpend(id) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('spend_ledger').where('id', '=', id).where('cost_usd', 'is', null).execute();
      });
    },
  };
}

function isPeriod(value: string): value is SpendPeriod {
  return (SPEND_PERIODS as readonly string[]).includes(value);
}
