import { type Kysely, sql, type Transaction } from 'kysely';
import { BadInputError, ConflictError, NotFoundError } from '../core/errors.ts';
import type { SessionEvent } from '../core/events.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import {
  type ApiToken,
  type Artifact,
  SESSION_TAKEN_OVER,
  type SessionFilter,
  type Store,
  type StoreWrite,
} from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import { analyticsStoreMethods } from './analytics-store.ts';
import { auditStoreMethods } from './audit-store.ts';
import { changeCheckpointLog, loadCheckpointLog, serializeLogChange } from './checkpoint-log.ts';
import type { Database } from './database.ts';
import { environmentStoreMethods } from './environment-store.ts';
import { evalStoreMethods } from './eval-store.ts';
import { knowledgeStoreMethods } from './knowledge-store.ts';
import { playbookStoreMethods } from './playbook-store.ts';
import { repoStoreMethods } from './repo-store.ts';
import {
  fromArtifactRow,
  fromEventRow,
  fromJson,
  fromSessionRow,
  fromTokenRow,
  toEventRow,
  toJson,
  toSessionRow,
  toSessionUpdate,
  toText,
} from './rows.ts';
import { validateSessionPatch } from './session-patch.ts';
import { spendStoreMethods } from './spend-store.ts';
import { trackerConnectionStoreMethods } from './tracker-connection-store.ts';
import { trackerMappingStoreMethods } from './tracker-mapping-store.ts';
import { triggerStoreMethods } from './trigger-store.ts';

export interface KyselyStoreDeps {
  clock: Clock;
  ids: IdGenerator;
  /**
   * Postgres only: the channel on which each committed write of events is announced with
   * `pg_notify` (payload {@link EventsNotice} as JSON), inside the write's transaction so the
   * notice goes out only on commit, in commit order.
   */
  notifyChannel?: string;
}

/** What a Postgres store announces after a write of events: the seqs written, not the events. */
export interface EventsNotice {
  sessionId: string;
  first: number;
  last: number;
}

const DEFAULT_LIST_LIMIT = 100;
/** Rows per INSERT, well under SQLite's limit on bound parameters per statement. */
const INSERT_BATCH_ROWS = 500;

/**
 * The Store port over Kysely, in SQL that SQLite and Postgres both run. The store owns `db`:
 * `close()` destroys it. Migrations must already have run.
 */
export function createKyselyStore(db: Kysely<Database>, deps: KyselyStoreDeps): Store {
  const now = (): string => deps.clock.now().toISOString();
  const announce = async (trx: Transaction<Database>, events: readonly SessionEvent[]): Promise<void> => {
    const channel = deps.notifyChannel;
    const first = events[0];
    const last = events.at(-1);
    if (channel === undefined || !first || !last) return;
    const notice: EventsNotice = { sessionId: first.sessionId, first: first.seq, last: last.seq };
    await sql`select pg_notify(${channel}, ${JSON.stringify(notice)})`.execute(trx);
  };

  return {
    async createSession(session: Session): Promise<SessionEvent> {
      const event: SessionEvent = {
        sessionId: session.id,
        seq: 1,
        at: now(),
        data: {
          type: 'session.created',
          task: session.task,
          repo: session.repo,
          ref: session.ref,
          model: session.model,
          ...(session.friendModel === undefined ? {} : { friendModel: session.friendModel }),
          ...(session.kind === undefined ? {} : { kind: session.kind }),
          ...(session.parentId === undefined ? {} : { parentId: session.parentId }),
          ...(session.attemptModels === undefined ? {} : { attemptModels: session.attemptModels }),
        },
      };
      await db.transaction().execute(async (trx) => {
        // Insert-or-nothing rather than check-then-insert: on Postgres two processes may create one
        // id at the same moment, and the loser must get this error, not a primary key violation.
        const inserted = await trx
          .insertInto('sessions')
          .values(toSessionRow(session))
          .onConflict((conflict) => conflict.column('id').doNothing())
          .executeTakeFirst();
        if (inserted.numInsertedOrUpdatedRows === 0n) {
          throw new ConflictError(
            'session_exists',
            `Session ${session.id} already exists; create the new session with a fresh id.`,
          );
        }
        await trx.insertInto('events').values(toEventRow(event)).execute();
        await announce(trx, [event]);
      });
      return event;
    },

    async getSession(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromSessionRow(row) : null;
    },

    async listSessions(filter: SessionFilter = {}) {
      const direction = filter.order === 'oldest' ? 'asc' : 'desc';
      let query = db
        .selectFrom('sessions')
        .selectAll()
        .orderBy('created_at', direction)
        .orderBy('id', direction)
        .limit(checkLimit(filter.limit ?? DEFAULT_LIST_LIMIT));
      if (filter.state !== undefined) query = query.where('state', '=', filter.state);
      if (filter.repo !== undefined) query = query.where('repo', '=', filter.repo);
      if (filter.parentId === null) query = query.where('parent_id', 'is', null);
      else if (filter.parentId !== undefined) query = query.where('parent_id', '=', filter.parentId);
      for (const word of searchWords(filter.text)) {
        const pattern = `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where(
          sql<boolean>`(lower(task) like ${pattern} escape '\\' or lower(id) like ${pattern} escape '\\' or lower(coalesce(branch, '')) like ${pattern} escape '\\')`,
        );
      }
      return (await query.execute()).map(fromSessionRow);
    },

    async record(sessionId: string, write: StoreWrite): Promise<SessionEvent[]> {
      const patch = validateSessionPatch(sessionId, write.patch ?? {});
      const logChange =
        write.checkpointLog === undefined ? undefined : serializeLogChange(sessionId, write.checkpointLog);
      // Read committed whatever the server's default: see below.
      const transaction = db.transaction().setIsolationLevel('read committed');
      return transaction.execute(async (trx) => {
        const at = now();
        // Updating the session row first proves it exists and, on Postgres, locks it until commit,
        // so concurrent records on one session number their events one after the other: the next
        // writer waits for the lock, and under read committed its next statement (reading the last
        // seq) sees the events the previous writer committed. Under repeatable read or serializable
        // it would fail with a serialization error instead. SQLite allows a single writer and
        // ignores the level. It always touches updated_at: the session did something.
        // A fenced write also matches the owner in the same statement: on Postgres, an UPDATE that
        // waited for a claim's row lock checks the owner again on the claimed row, so a write and a
        // claim on one session are ordered and the write never lands after the claim.
        let update = trx
          .updateTable('sessions')
          .set({ ...toSessionUpdate(patch), updated_at: at })
          .where('id', '=', sessionId);
        if (write.owner !== undefined) update = update.where('owner', '=', write.owner);
        const updated = await update.executeTakeFirst();
        if (updated.numUpdatedRows === 0n) {
          if (write.owner === undefined) throw sessionNotFound(sessionId);
          await requireSession(trx, sessionId);
          throw sessionTakenOver(sessionId);
        }

        const events = await appendEvents(trx, sessionId, write, at);
        await announce(trx, events);
        if (write.checkpoint !== undefined) {
          const data = toJson(write.checkpoint, `the checkpoint of session ${sessionId}`);
          await trx
            .insertInto('checkpoints')
            .values({ session_id: sessionId, data, updated_at: at })
            .onConflict((conflict) =>
              conflict.column('session_id').doUpdateSet((eb) => ({
                data: eb.ref('excluded.data'),
                updated_at: eb.ref('excluded.updated_at'),
              })),
            )
            .execute();
        }
        if (logChange !== undefined) await changeCheckpointLog(trx, sessionId, logChange);
        return events;
      });
    },

    async claimSession(sessionId, owner) {
      const updated = await db
        .updateTable('sessions')
        .set({ owner })
        .where('id', '=', sessionId)
        .executeTakeFirst();
      if (updated.numUpdatedRows === 0n) throw sessionNotFound(sessionId);
    },

    async listEvents(sessionId, afterSeq = 0, limit) {
      let query = db
        .selectFrom('events')
        .selectAll()
        .where('session_id', '=', sessionId)
        .where('seq', '>', afterSeq)
        .orderBy('seq');
      if (limit !== undefined) query = query.limit(checkLimit(limit));
      return (await query.execute()).map(fromEventRow);
    },

    async loadCheckpoint(sessionId) {
      const row = await db
        .selectFrom('checkpoints')
        .select('data')
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return row ? fromJson(row.data) : null;
    },

    loadCheckpointLog: (sessionId) => loadCheckpointLog(db, sessionId),

    async putArtifact(artifact): Promise<Artifact> {
      const stored: Artifact = {
        id: deps.ids.next(),
        sessionId: artifact.sessionId,
        name: toText(artifact.name),
        contentType: toText(artifact.contentType),
        content: toText(artifact.content),
        createdAt: now(),
      };
      await db.transaction().execute(async (trx) => {
        await requireSession(trx, artifact.sessionId);
        await trx
          .insertInto('artifacts')
          .values({
            id: stored.id,
            session_id: stored.sessionId,
            name: stored.name,
            content_type: stored.contentType,
            content: stored.content,
            created_at: stored.createdAt,
          })
          .execute();
      });
      return stored;
    },

    async getArtifact(id) {
      const row = await db.selectFrom('artifacts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromArtifactRow(row) : null;
    },

    async listArtifacts(sessionId) {
      const rows = await db
        .selectFrom('artifacts')
        .select(['id', 'session_id', 'name', 'content_type', 'created_at'])
        .where('session_id', '=', sessionId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        sessionId: row.session_id,
        name: row.name,
        contentType: row.content_type,
        createdAt: row.created_at,
      }));
    },

    async createToken(token): Promise<ApiToken> {
      const stored: ApiToken = {
        id: deps.ids.next(),
        name: toText(token.name),
        role: token.role,
        tokenHash: token.tokenHash,
        createdAt: now(),
      };
      const inserted = await db
        .insertInto('tokens')
        .values({
          id: stored.id,
          name: stored.name,
          role: stored.role,
          token_hash: stored.tokenHash,
          created_at: stored.createdAt,
        })
        .onConflict((conflict) => conflict.column('token_hash').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows === 0n) {
        throw new ConflictError(
          'token_exists',
          'A token with this secret already exists; generate a new secret.',
        );
      }
      return stored;
    },

    async findTokenByHash(tokenHash) {
      const row = await db
        .selectFrom('tokens')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? fromTokenRow(row) : null;
    },

    async listTokens() {
      const rows = await db.selectFrom('tokens').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(fromTokenRow);
    },

    ...triggerStoreMethods(db, deps),

    ...environmentStoreMethods(db, deps),

    ...repoStoreMethods(db, deps),

    ...evalStoreMethods(db, deps),
    ...spendStoreMethods(db, deps),

    ...analyticsStoreMethods(db),
    ...trackerMappingStoreMethods(db, deps),
    ...trackerConnectionStoreMethods(db, deps),
    ...knowledgeStoreMethods(db, deps),
    ...playbookStoreMethods(db, deps),
    ...auditStoreMethods(db, deps),

    async close() {
      await db.destroy();
    },
  };
}

/** Numbers the write's events from the session's last seq and inserts them. */
async function appendEvents(
  trx: Transaction<Database>,
  sessionId: string,
  write: StoreWrite,
  at: string,
): Promise<SessionEvent[]> {
  const data = write.events ?? [];
  if (data.length === 0) return [];
  const last = await trx
    .selectFrom('events')
    .select('seq')
    .where('session_id', '=', sessionId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const lastSeq = last?.seq ?? 0;
  const events = data.map((eventData, index) => ({
    sessionId,
    seq: lastSeq + 1 + index,
    at,
    data: eventData,
  }));
  for (let start = 0; start < events.length; start += INSERT_BATCH_ROWS) {
    const batch = events.slice(start, start + INSERT_BATCH_ROWS);
    await trx.insertInto('events').values(batch.map(toEventRow)).execute();
  }
  return events;
}

async function requireSession(trx: Transaction<Database>, sessionId: string): Promise<void> {
  const row = await trx.selectFrom('sessions').select('id').where('id', '=', sessionId).executeTakeFirst();
  if (!row) throw sessionNotFound(sessionId);
}

function sessionTakenOver(sessionId: string): ConflictError {
  return new ConflictError(
    SESSION_TAKEN_OVER,
    `Session ${sessionId} was taken over by another run since this one started (a worker claimed it, e.g. after this run's lease expired); this run stops and writes nothing more. Follow the session with: drydock logs ${sessionId}`,
  );
}

function sessionNotFound(sessionId: string): NotFoundError {
  return new NotFoundError(
    'session_not_found',
    `Session ${sessionId} does not exist; check the id against the list of sessions.`,
  );
}

/** Postgres rejects a negative LIMIT and SQLite reads it as "no limit": refuse it on both. */
function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new BadInputError('invalid_limit', `Limit must be a whole number of zero or more, got ${limit}.`);
  }
  return limit;
}

/** A search's words, lowercased (`lower()` on the columns matches them on SQLite and Postgres alike). Pure. */
function searchWords(text: string | undefined): string[] {
  return (text ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '')
    .slice(0, 8);
}
