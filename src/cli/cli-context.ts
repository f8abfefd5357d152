import { join } from 'node:path';
import { systemClock } from '../core/ports/clock.ts';
import type { Store } from '../core/ports/store.ts';
import { DEFAULT_BUDGET } from '../core/session.ts';
import { createSecretBox, loadSecretKey } from '../environments/secret-box.ts';
import { createSecretVault } from '../environments/secret-vault.ts';
import { openSnapshotStore } from '../environments/snapshot-store-config.ts';
import { reasoningFromEnv } from '../models/reasoning.ts';
import { createModelRouter } from '../models/router.ts';
import { createBubblewrapProvider } from '../sandbox/bubblewrap-provider.ts';
import { createNoSandboxProvider } from '../sandbox/no-sandbox-provider.ts';
import { createLogger, logLevel, reportErrors } from '../server/logger.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { openSessionLayers } from '../sessions/session-workspace.ts';
import { spendLimitsFromEnv } from '../sessions/spend-limits.ts';
import { createRandomIds } from '../store/ids.ts';
import { openStore } from '../store/open-store.ts';
import { dataHome, ensurePrivateHome } from './data-home.ts';
import { DEMO_SCRIPT } from './demo/demo-script.ts';
import { diskLimit } from './disk-flag.ts';
import { maxChildrenFrom } from './max-children.ts';
import type { SandboxChoice } from './sandbox-flags.ts';
import { warmPoolSize } from './warm-pool-size.ts';
import { workspaceChoice } from './workspace-choice.ts';

export interface EmbeddedOptions {
  sandbox?: SandboxChoice;
  /** `--disk`: the workspace disk quota (see diskLimit). */
  disk?: string;
  /**
   * Started sandboxes per environment image when DRYDOCK_WARM_POOL is unset: 1 for the long-lived
   * `up` and `worker`, 0 (the default) for one-shot commands.
   */
  warmPool?: number;
  /**
   * The server's (`up`, `worker`): `script:<name>` models read files only from this directory. Without
   * it (`run`, `demo`) any path works, relative to the working directory.
   */
  scriptsDir?: string;
  /** `--reasoning`: the effort every role asks for, unless DRYDOCK_REASONING_<ROLE> says otherwise. */
  reasoning?: string;
}

/**
 * Only the store in the data directory (or DRYDOCK_DATABASE_URL), for commands that need nothing else
 * (`drydock repo`): no sandboxes, layers or models to set up. The caller closes it.
 */
export async function openDataStore(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ store: Store; home: string }> {
  const home = dataHome(env);
  const store = await openStore({
    url: env.DRYDOCK_DATABASE_URL,
    sqlitePath: join(home, 'drydock.db'),
    clock: systemClock,
    ids: createRandomIds(),
  });
  return { store, home };
}

/**
 * The embedded wiring: SQLite in the data directory (or Postgres with DRYDOCK_DATABASE_URL), local
 * sandboxes, models from the environment.
 */
export async function openEmbedded(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
  options: EmbeddedOptions = {},
): Promise<SessionDeps> {
  const home = dataHome(env);
  // A bad --reasoning or DRYDOCK_REASONING* fails here, before anything starts.
  const reasoning = reasoningFromEnv(options.reasoning, env);
  // So does a bad DRYDOCK_SPEND_LIMIT_DAILY_USD or DRYDOCK_SPEND_LIMIT_MONTHLY_USD.
  const spendLimits = spendLimitsFromEnv(env);
  await ensurePrivateHome(home);
  const ids = createRandomIds();
  const store: Store = await openStore({
    url: env.DRYDOCK_DATABASE_URL,
    sqlitePath: join(home, 'drydock.db'),
    clock: systemClock,
    ids,
  });
  // A warm pool hands a session on an environment image a started sandbox (drained on exit).
  const warmPool = warmPoolSize(env, options.warmPool ?? 0);
  // With a warm pool, one spare too (as root): a sandbox no pool entry fits (a restore after a
  // sandbox died, a clone) is mounted into a started one rather than booted (closed on exit).
  const sandboxes =
    options.sandbox === 'none'
      ? createNoSandboxProvider()
      : createBubblewrapProvider({ spares: warmPool > 0 ? 1 : 0 });
  // Layers by default where overlayfs can be mounted (drydock is root): snapshots after every agent
  // step, a dead sandbox replaced from the last one, and environment images; DRYDOCK_WORKSPACES=clone
  // keeps plain clones. DRYDOCK_SNAPSHOT_STORE moves layers between machines (a bad value fails here).
  const snapshotStore = await openSnapshotStore(env);
  let poolLog: ((error: unknown) => void) | undefined;
  let knowledgeLog: ((error: unknown, sessionId?: string) => void) | undefined;
  // A bad DRYDOCK_LOG_LEVEL fails here, not when the pool first has something to say.
  logLevel(env);
  const layers =
    workspaceChoice(env) === 'layers'
      ? (
          await openSessionLayers(home, sandboxes, {
            snapshotStore,
            warmPool,
            // Made when first needed: one-shot commands (run, demo) have no pool to fail.
            onPoolError: (error) => {
              poolLog ??= reportErrors(
                createLogger({ env }).child({ component: 'warm-pool' }),
                'a background sandbox start failed',
              );
              poolLog(error);
            },
          })
        ).layers
      : null;
  const diskBytes = diskLimit(options.disk, env, layers !== null);
  const maxChildren = maxChildrenFrom(undefined, env);
  return {
    ...(diskBytes === undefined ? {} : { limits: { diskBytes } }),
    store,
    sandboxes,
    models: (spec, friend) =>
      createModelRouter({
        default: spec,
        ...(friend === undefined ? {} : { roles: { friend } }),
        env,
        cwd,
        scripts: { demo: DEMO_SCRIPT },
        reasoning,
        ...(options.scriptsDir !== undefined ? { scriptsDir: options.scriptsDir } : {}),
      }),
    clock: systemClock,
    ids,
    home,
    budget: DEFAULT_BUDGET,
    ...(spendLimits.length > 0 ? { spendLimits } : {}),
    ...(maxChildren === undefined ? {} : { maxChildren }),
    ...(layers ? { layers } : {}),
    // Knowledge that cannot be proposed or retrieved is logged; the session goes on without it.
    knowledge: {
      onError: (error, sessionId) => {
        knowledgeLog ??= reportErrors(
          createLogger({ env }).child({ component: 'knowledge' }),
          'proposing or retrieving repository knowledge failed',
        );
        knowledgeLog(error, sessionId);
      },
    },
    // The key that seals secrets (DRYDOCK_SECRET_KEY, else <home>/secret.key): the server's too.
    vault: createSecretVault(store, createSecretBox(await loadSecretKey(env, join(home, 'secret.key')))),
  };
}
