import type { Kysely, Selectable } from 'kysely';
import { ConflictError, InternalError, NotFoundError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { Delivery, SessionLink, Store, TriggerKind, TriggerRecord } from '../core/ports/store.ts';
import { TRIGGER_KINDS } from '../core/ports/store.ts';
import type { Database, DeliveriesTable, TriggersTable } from './database.ts';
import { fromJson, toJson, toText } from './rows.ts';

type TriggerMethods = Pick<
  Store,
  | 'claimDelivery'
  | 'finishDelivery'
  | 'linkSession'
  | 'findLink'
  | 'listLinks'
  | 'createTrigger'
  | 'updateTrigger'
  | 'getTrigger'
  | 'findTrigger'
  | 'listTriggers'
  | 'deleteTrigger'
>;

/** The Store's delivery, link and trigger methods, in SQL that SQLite and Postgres both run. */
export function triggerStoreMethods(
  db: Kysely<Database>,
  deps: { clock: Clock; ids: IdGenerator },
): TriggerMethods {
  const now = (): string => deps.clock.now().toISOString();
  const getTrigger = async (id: string): Promise<TriggerRecord | null> => {
    const row = await db.selectFrom('triggers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromTriggerRow(row) : null;
  };

  return {
    async claimDelivery(source, deliveryId) {
      const inserted = await db
        .insertInto('deliveries')
        .values({
          source,
          delivery_id: toText(deliveryId),
          session_id: null,
          outcome: 'pending',
          created_at: now(),
        })
        .onConflict((conflict) => conflict.columns(['source', 'delivery_id']).doNothing())
        .executeTakeFirst();
      const row = await db
        .selectFrom('deliveries')
        .selectAll()
        .where('source', '=', source)
        .where('delivery_id', '=', toText(deliveryId))
        .executeTakeFirstOrThrow();
      return { claimed: inserted.numInsertedOrUpdatedRows !== 0n, delivery: fromDeliveryRow(row) };
    },

    async finishDelivery(source, deliveryId, result) {
      await db
        .updateTable('deliveries')
        .set({ session_id: result.sessionId, outcome: toText(result.outcome) })
        .where('source', '=', source)
        .where('delivery_id', '=', toText(deliveryId))
        .execute();
    },

    async linkSession(key, sessionId, data) {
      const link: SessionLink = { key: toText(key), sessionId, data, createdAt: now() };
      const json = toJson(data, 'link data');
      const inserted = await db
        .insertInto('session_links')
        .values({ key: link.key, session_id: sessionId, data: json, created_at: link.createdAt })
        .onConflict((conflict) => conflict.column('key').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows !== 0n) return link;
      const existing = await db
        .selectFrom('session_links')
        .selectAll()
        .where('key', '=', link.key)
        .executeTakeFirstOrThrow();
      if (existing.session_id !== sessionId) {
        throw new ConflictError('link_taken', `${key} is already linked to session ${existing.session_id}.`);
      }
      await db.updateTable('session_links').set({ data: json }).where('key', '=', link.key).execute();
      return { ...link, createdAt: existing.created_at };
    },

    async findLink(key) {
      const row = await db.selectFrom('session_links').selectAll().where('key', '=', key).executeTakeFirst();
      return row ? fromLinkRow(row) : null;
    },

    async listLinks(filter) {
      let query = db.selectFrom('session_links').selectAll();
      if (filter.sessionId !== undefined) query = query.where('session_id', '=', filter.sessionId);
      if (filter.prefix !== undefined) {
        // Range instead of LIKE: no escaping, and the primary key index serves it on both databases.
        query = query.where('key', '>=', filter.prefix).where('key', '<', `${filter.prefix}\uffff`);
      }
      const rows = await query
        .orderBy('created_at')
        .orderBy('key')
        .limit(filter.limit ?? 1000)
        .execute();
      return rows.map(fromLinkRow);
    },

    async createTrigger(trigger) {
      const at = now();
      const record: TriggerRecord = {
        id: deps.ids.next(),
        ...trigger,
        name: toText(trigger.name),
        createdAt: at,
        updatedAt: at,
      };
      const inserted = await db
        .insertInto('triggers')
        .values({
          id: record.id,
          kind: record.kind,
          name: record.name,
          config: toJson(record.config, 'trigger config'),
          secret: record.secret,
          created_at: at,
          updated_at: at,
        })
        .onConflict((conflict) => conflict.columns(['kind', 'name']).doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows === 0n) {
        throw new ConflictError(
          'trigger_exists',
          `A ${trigger.kind} named "${trigger.name}" already exists.`,
        );
      }
      return record;
    },

    async updateTrigger(id, update) {
      const set: { config: string; updated_at: string; secret?: string | null } = {
        config: toJson(update.config, 'trigger config'),
        updated_at: now(),
      };
      if (update.secret !== undefined && update.secret !== null) set.secret = update.secret;
      const result = await db.updateTable('triggers').set(set).where('id', '=', id).executeTakeFirst();
      if (result.numUpdatedRows === 0n) throw new NotFoundError('trigger_not_found', `No trigger ${id}.`);
      return (await getTrigger(id))!;
    },

    getTrigger,

    async findTrigger(kind, name) {
      const row = await db
        .selectFrom('triggers')
        .selectAll()
        .where('kind', '=', kind)
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? fromTriggerRow(row) : null;
    },

    async listTriggers(kind: TriggerKind) {
      const rows = await db
        .selectFrom('triggers')
        .selectAll()
        .where('kind', '=', kind)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(fromTriggerRow);
    },

    async deleteTrigger(id) {
      const result = await db.deleteFrom('triggers').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows !== 0n;
    },
  };
}

function fromDeliveryRow(row: Selectable<DeliveriesTable>): Delivery {
  return {
    source: row.source,
    deliveryId: row.delivery_id,
    sessionId: row.session_id,
    outcome: row.outcome,
    createdAt: row.created_at,
  };
}

function fromLinkRow(row: Selectable<Database['session_links']>): SessionLink {
  return { key: row.key, sessionId: row.session_id, data: fromJson(row.data), createdAt: row.created_at };
}

function fromTriggerRow(row: Selectable<TriggersTable>): TriggerRecord {
  const kind = TRIGGER_KINDS.find((known) => known === row.kind);
  if (kind === undefined) {
    throw new InternalError('unknown_trigger_kind', `Trigger ${row.id} has unknown kind "${row.kind}".`);
  }
  return {
    id: row.id,
    kind,
    name: row.name,
    config: fromJson(row.config),
    secret: row.secret,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
