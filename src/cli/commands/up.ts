import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { styleText } from 'node:util';
import { BadInputError } from '../../core/errors.ts';
import { mcpMount } from '../../mcp/mcp-route.ts';
import { friendSpecFromEnv, modelSpecFromEnv } from '../../models/router.ts';
import { ensureAdminToken } from '../../server/admin-token.ts';
import { auditRetentionDays } from '../../server/audit-retention.ts';
import { createLogger, reportErrors } from '../../server/logger.ts';
import { createPostgresEventBus, idlePoller } from '../../server/postgres-event-bus.ts';
import { pullSweepMinutes } from '../../server/pull-sweep-config.ts';
import { startServer } from '../../server/start-server.ts';
import { triggersFromEnv } from '../../server/trigger-config.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import { resolveStoreLocation } from '../../store/open-store.ts';
import { openSharedQueue, requireSharedQueue } from '../open-queue.ts';
import { sweepAtStartup } from '../startup-sweep.ts';
import { DRYDOCK_VERSION } from '../version.ts';
import { WORKER_DEPS_MODULE, type WorkerDepsInput } from '../worker-deps.ts';

export interface UpOptions {
  port: number;
  host: string;
  concurrency: number;
  allowScriptModels: boolean;
  /** The `--friend-model` flag: the friend of sessions whose request names none (else DRYDOCK_FRIEND_MODEL). */
  friendModel?: string;
  /** Control plane only: sessions run in `drydock worker` processes (Postgres). */
  noWorker?: boolean;
  /** The worker's lease (visibility timeout) in ms. */
  leaseMs?: number;
  /**
   * How the worker thread builds its own session deps (the process's cannot cross threads). Without
   * it the worker runs on the API's thread, with `deps`.
   */
  workerDeps?: WorkerDepsInput;
}

/** Where the built web UI lives (the UI's own build writes it). */
const WEB_DIST = resolve(import.meta.dirname, '..', '..', '..', 'web', 'dist');

/** Seconds `drydock up` waits for running sessions on SIGTERM before exiting; they resume on the next start. */
const STOP_TIMEOUT_MS = 30_000;

/**
 * `drydock up`: the API, the web UI (when built) and a worker in this process (in a worker thread of
 * its own, given `workerDeps`), until SIGINT or SIGTERM.
 * Prints the URL and the sign-in link: with DRYDOCK_ADMIN_TOKEN, for that token; on a first start without it,
 * for the admin token it generates (shown once).
 */
export async function runUp(
  deps: SessionDeps,
  options: UpOptions,
  env: NodeJS.ProcessEnv,
  out: NodeJS.WriteStream,
): Promise<void> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new BadInputError('invalid_port', `--port must be a port number, got ${options.port}.`);
  }
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new BadInputError(
      'invalid_concurrency',
      `--concurrency must be 1 or more, got ${options.concurrency}.`,
    );
  }
  const log = createLogger({ env });
  const shared = openSharedQueue(env, deps.home, deps.clock);
  const queue = options.noWorker ? requireSharedQueue(shared, 'drydock up --no-worker') : shared;
  const warning = deps.sandboxes.capabilities.warning;
  if (warning) process.stderr.write(`\n${styleText(['bold', 'yellow'], `WARNING: ${warning}`)}\n\n`);
  await deps.sandboxes.check();
  await sweepAtStartup(deps);
  const adminSecret = env.DRYDOCK_ADMIN_TOKEN?.trim() || undefined;
  const admin = await ensureAdminToken(deps.store, adminSecret);
  // On Postgres, events recorded by any process reach this server's followers through LISTEN/NOTIFY.
  const location = resolveStoreLocation(env.DRYDOCK_DATABASE_URL, join(deps.home, 'drydock.db'));
  const bus =
    location.kind === 'postgres'
      ? createPostgresEventBus({
          connectionString: location.connectionString,
          store: deps.store,
          onError: reportErrors(log.child({ component: 'event-bus' }), 'the event bus connection failed'),
        })
      : null;
  await bus?.start();
  const defaultFriendModel = friendSpecFromEnv(options.friendModel, env);
  const webRoot = (await stat(resolve(WEB_DIST, 'index.html')).catch(() => null)) ? WEB_DIST : null;
  const server = await startServer({
    sessions: deps,
    defaultModel: modelSpecFromEnv(undefined, env),
    ...(defaultFriendModel === undefined ? {} : { defaultFriendModel }),
    allowScriptModels: options.allowScriptModels,
    version: DRYDOCK_VERSION,
    port: options.port,
    host: options.host,
    concurrency: options.concurrency,
    ...(queue ? { queue } : {}),
    ...(options.noWorker ? { noWorker: true } : {}),
    ...(bus ? { bus, poller: idlePoller } : {}),
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    // Session work runs in a thread of its own: the API's event loop only serves requests and streams.
    ...(options.workerDeps
      ? { workerThread: { depsModule: WORKER_DEPS_MODULE, depsInput: options.workerDeps } }
      : {}),
    webRoot,
    log,
    auditRetentionDays: auditRetentionDays(env.DRYDOCK_AUDIT_RETENTION_DAYS),
    pullSweepMinutes: pullSweepMinutes(env.DRYDOCK_PULL_SWEEP_MINUTES),
    // MCP clients (Claude Code, Cursor) hand work over at /mcp with the same tokens (docs/mcp.md).
    mounts: [mcpMount()],
    triggers: await triggersFromEnv(env, deps.home, `http://${options.host}:${options.port}`),
  });
  out.write(`drydock ${DRYDOCK_VERSION} listening on ${server.url}\n`);
  out.write(
    options.noWorker
      ? 'workers: none in this process (run drydock worker)\n'
      : `workers: ${options.concurrency} in this process${queue ? ', sharing the Postgres queue' : ''}\n`,
  );
  out.write(webRoot ? `web UI: ${server.url}/\n` : 'web UI: not built (npm run build:web); the API is up\n');
  if (admin?.generated) {
    out.write(
      `\nadmin token (shown once; keep it, drydock stores only its hash):\n  ${admin.secret}\n` +
        (webRoot ? `sign in to the web UI: ${server.url}/#token=${admin.secret}\n` : '') +
        `more tokens: drydock token create --role member|viewer\n\n`,
    );
  } else if (webRoot && adminSecret) {
    // The operator set this secret: the sign-in link shows nothing they do not have (README: "open the URL
    // drydock up prints with #token=…").
    out.write(`sign in to the web UI: ${server.url}/#token=${adminSecret}\n`);
  }
  await new Promise<void>((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      out.write('stopping: no new sessions; waiting for running ones to reach a checkpoint...\n');
      resolveStop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close(STOP_TIMEOUT_MS);
  // Idle pooled sandboxes: destroyed, their overlays and disk images released.
  await deps.layers?.pool?.drain();
  await bus?.close();
  await queue?.close();
}
