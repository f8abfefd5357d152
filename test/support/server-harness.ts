import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_SCRIPT } from '../../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../../src/cli/demo/sample-repo.ts';
import { systemClock } from '../../src/core/ports/clock.ts';
import type { RegisteredRepo, Store, TokenRole } from '../../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../../src/core/session.ts';
import { createModelRouter } from '../../src/models/router.ts';
import type { Script } from '../../src/models/script-file.ts';
import { createNoSandboxProvider } from '../../src/sandbox/no-sandbox-provider.ts';
import { type RunningServer, type StartOptions, startServer } from '../../src/server/start-server.ts';
import { hashToken } from '../../src/server/tokens.ts';
import { registerRepo } from '../../src/sessions/registered-repos.ts';
import type { SessionDeps } from '../../src/sessions/session-deps.ts';
import { createRandomIds } from '../../src/store/ids.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

export interface Harness {
  dir: string;
  repo: string;
  store: Store;
  deps: SessionDeps;
  /** In-memory scripts for `script:<name>` models. */
  scripts: Record<string, Script>;
  /** A bearer secret for each role. */
  tokens: Record<TokenRole, string>;
  /**
   * Registers a repository (default: the sample repository) as an admin would: in server mode sessions
   * run only on registered repositories.
   */
  register(repo?: string): Promise<RegisteredRepo>;
  close(): Promise<void>;
}

/**
 * A data home in a temporary directory with a SQLite store, the demo's sample repository, a token
 * per role, and session deps using scripted models. For server tests only (imports the CLI's demo).
 */
export async function createHarness(
  options: { sandboxes?: SessionDeps['sandboxes'] } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'drydock-server-'));
  const repo = join(dir, 'repo');
  await mkdir(repo);
  await createSampleRepo(repo);
  const ids = createRandomIds();
  const store = await openSqliteStore({ path: join(dir, 'home', 'drydock.db'), clock: systemClock, ids });
  const scripts: Record<string, Script> = { demo: DEMO_SCRIPT };
  const deps: SessionDeps = {
    store,
    sandboxes: options.sandboxes ?? createNoSandboxProvider(),
    // As on a server: script files only from <home>/scripts.
    models: (spec, friend) =>
      createModelRouter({
        default: spec,
        ...(friend === undefined ? {} : { roles: { friend } }),
        env: {},
        cwd: dir,
        scripts,
        scriptsDir: join(dir, 'home', 'scripts'),
      }),
    clock: systemClock,
    ids,
    home: join(dir, 'home'),
    budget: DEFAULT_BUDGET,
  };
  const tokens = { viewer: 'dd_viewer-secret', member: 'dd_member-secret', admin: 'dd_admin-secret' };
  for (const role of ['viewer', 'member', 'admin'] as const) {
    await store.createToken({ name: `${role} token`, role, tokenHash: hashToken(tokens[role]) });
  }
  return {
    dir,
    repo,
    store,
    deps,
    scripts,
    tokens,
    register: (path = repo) => registerRepo({ store, home: deps.home }, path, 'test harness'),
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The harness's server on a loopback port 0 with what every server test wants (script models allowed,
 * a quick worker poll); each test adds or overrides the rest.
 */
export function startTestServer(
  harness: Harness,
  options: Partial<Omit<StartOptions, 'sessions'>> = {},
): Promise<RunningServer> {
  return startServer({
    sessions: harness.deps,
    defaultModel: 'script:demo',
    allowScriptModels: true,
    version: 'test',
    port: 0,
    host: '127.0.0.1',
    concurrency: 2,
    workerPollMs: 50,
    ...options,
  });
}
