import { join } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { Queue } from '../core/ports/queue.ts';
import { createPostgresQueue } from '../queue/postgres-queue.ts';
import { resolveStoreLocation } from '../store/open-store.ts';

/**
 * The shared queue of the store's database: the Postgres queue when DRYDOCK_DATABASE_URL names
 * Postgres, else null (SQLite: `drydock up` keeps an in-process queue). Open the store first: its
 * migrations create the jobs table.
 */
export function openSharedQueue(env: NodeJS.ProcessEnv, home: string, clock: Clock): Queue | null {
  const location = resolveStoreLocation(env.DRYDOCK_DATABASE_URL, join(home, 'drydock.db'));
  return location.kind === 'postgres'
    ? createPostgresQueue({ connectionString: location.connectionString, clock })
    : null;
}

/** `drydock worker` and `drydock up --no-worker` need a queue other processes share. */
export function requireSharedQueue(queue: Queue | null, command: string): Queue {
  if (queue) return queue;
  throw new BadInputError(
    'shared_queue_required',
    `${command} needs a queue shared between processes: set DRYDOCK_DATABASE_URL to a Postgres database. On SQLite, run drydock up, whose worker runs in the same process.`,
  );
}

/** Parses a positive whole number flag. */
export function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new BadInputError('invalid_flag', `${flag} must be a whole number of 1 or more, got ${value}.`);
  return n;
}
