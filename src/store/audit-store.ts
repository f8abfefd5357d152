import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely';
import { AUDIT_OUTCOMES, type AuditEntry } from '../core/audit.ts';
import { BadInputError, InternalError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { JsonValue, Store } from '../core/ports/store.ts';
import type { AuditLogTable, Database } from './database.ts';
import { fromJson, toJson, toText } from './rows.ts';

type AuditMethods = Pick<Store, 'appendAudit' | 'listAudit' | 'pruneAudit'>;

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/** The Store's audit log, in SQL that SQLite and Postgres both run. Append-only: nothing updates a row. */
export function auditStoreMethods(
  db: Kysely<Database>,
  deps: { clock: Clock; ids: IdGenerator },
): AuditMethods {
  return {
    async appendAudit(entry) {
      const stored: AuditEntry = { ...entry, id: deps.ids.next(), at: deps.clock.now().toISOString() };
      await db
        .insertInto('audit_log')
        .values({
          id: stored.id,
          at: stored.at,
          actor: toText(stored.actor.id),
          actor_name: toText(stored.actor.name),
          action: toText(stored.action),
          target: stored.target === null ? null : toText(stored.target),
          details: toText(toJson(stored.details, 'audit details')),
          outcome: stored.outcome,
        })
        .execute();
      return stored;
    },

    async listAudit(filter = {}) {
      const limit = filter.limit ?? DEFAULT_LIMIT;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new BadInputError(
          'invalid_limit',
          `Limit must be a whole number from 1 to ${MAX_LIMIT}, got ${limit}.`,
        );
      }
      let query = db.selectFrom('audit_log').selectAll();
      const { actor, action, target, from, to, before } = filter;
      if (actor !== undefined) {
        query = query.where((eb) => eb.or([eb('actor', '=', actor), eb('actor_name', '=', actor)]));
      }
      if (action?.endsWith('.*')) {
        // A prefix match without LIKE, whose wildcards (_ and %) an action could contain.
        const prefix = action.slice(0, -1);
        query = query.where((eb) => startsWith(eb, prefix));
      } else if (action !== undefined) {
        query = query.where('action', '=', action);
      }
      if (target !== undefined) query = query.where('target', '=', target);
      if (from !== undefined) query = query.where('at', '>=', from);
      if (to !== undefined) query = query.where('at', '<', to);
      if (before !== undefined) {
        query = query.where((eb) =>
          eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]),
        );
      }
      const rows = await query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return rows.map(fromAuditRow);
    },

    async pruneAudit(before) {
      const result = await db.deleteFrom('audit_log').where('at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function startsWith(eb: ExpressionBuilder<Database, 'audit_log'>, prefix: string) {
  return eb(sql`substr(action, 1, ${prefix.length})`, '=', prefix);
}

function fromAuditRow(row: Selectable<AuditLogTable>): AuditEntry {
  const outcome = AUDIT_OUTCOMES.find((known) => known === row.outcome);
  if (outcome === undefined) {
    throw new InternalError(
      'unknown_audit_outcome',
      `Audit entry ${row.id} has unknown outcome "${row.outcome}".`,
    );
  }
  const details = fromJson(row.details);
  return {
    id: row.id,
    at: row.at,
    actor: { id: row.actor, name: row.actor_name },
    action: row.action,
    target: row.target,
    details: isObject(details) ? details : {},
    outcome,
  };
}

function isObject(value: JsonValue): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
