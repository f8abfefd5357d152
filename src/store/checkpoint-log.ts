import type { Kysely, Transaction } from 'kysely';
import { BadInputError } from '../core/errors.ts';
import type { CheckpointLogChange, JsonValue } from '../core/ports/store.ts';
import type { Database } from './database.ts';
import { fromJson, toJson } from './rows.ts';

/** Rows per INSERT: 3 parameters each, well under SQLite's limit on bound parameters per statement. */
const INSERT_BATCH_ROWS = 500;

/** A log change with its entries already serialized, so the write transaction holds no JSON work. */
export interface SerializedLogChange {
  from: number;
  entries: string[];
}

/** Checks `from` and serializes the entries. Throws BadInputError for a bad index or non-JSON entry. */
export function serializeLogChange(sessionId: string, change: CheckpointLogChange): SerializedLogChange {
  if (!Number.isSafeInteger(change.from) || change.from < 0) {
    throw new BadInputError(
      'invalid_checkpoint_log_change',
      `A change to the checkpoint log of session ${sessionId} must start at a whole number of zero or more, got ${change.from}.`,
    );
  }
  return {
    from: change.from,
    entries: change.entries.map((entry, index) =>
      toJson(entry, `entry ${change.from + index} of the checkpoint log of session ${sessionId}`),
    ),
  };
}

/**
 * Replaces the log's entries from `change.from` on, inside the caller's transaction (which holds the
 * session row, so no other write of this session's log runs meanwhile). Throws BadInputError
 * `checkpoint_log_gap`, so the transaction writes nothing, when `from` is past the log's end.
 */
export async function changeCheckpointLog(
  trx: Transaction<Database>,
  sessionId: string,
  change: SerializedLogChange,
): Promise<void> {
  const last = await trx
    .selectFrom('checkpoint_log')
    .select('position')
    .where('session_id', '=', sessionId)
    .orderBy('position', 'desc')
    .limit(1)
    .executeTakeFirst();
  const length = last === undefined ? 0 : last.position + 1;
  if (change.from > length) {
    throw new BadInputError(
      'checkpoint_log_gap',
      `Cannot change the checkpoint log of session ${sessionId} from entry ${change.from}: it holds ${length} entries, so a change starts at ${length} or before.`,
    );
  }
  if (change.from < length) {
    await trx
      .deleteFrom('checkpoint_log')
      .where('session_id', '=', sessionId)
      .where('position', '>=', change.from)
      .execute();
  }
  const rows = change.entries.map((data, index) => ({
    session_id: sessionId,
    position: change.from + index,
    data,
  }));
  for (let start = 0; start < rows.length; start += INSERT_BATCH_ROWS) {
    await trx
      .insertInto('checkpoint_log')
      .values(rows.slice(start, start + INSERT_BATCH_ROWS))
      .execute();
  }
}

export async function loadCheckpointLog(db: Kysely<Database>, sessionId: string): Promise<JsonValue[]> {
  const rows = await db
    .selectFrom('checkpoint_log')
    .select('data')
    .where('session_id', '=', sessionId)
    .orderBy('position')
    .execute();
  return rows.map((row) => fromJson(row.data));
}
