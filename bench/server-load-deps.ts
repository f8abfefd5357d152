// Session deps of the server-load benchmark, in a module of their own so a worker thread can load them.
import { systemClock } from '../src/core/ports/clock.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createNoSandboxProvider } from '../src/sandbox/no-sandbox-provider.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createRandomIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

/**
 * A cheap session: the coder reads the file, makes the one-line fix that makes the sample's test
 * pass and finishes; the reviewer approves. The gate still runs the sample's `npm test` twice
 * (baseline and verification): that is the session's real work.
 */
export const LOAD_SCRIPT: Script = {
  coder: [
    { toolCalls: [{ name: 'read_file', input: { path: 'src/stats.js' } }] },
    {
      toolCalls: [
        {
          name: 'edit_file',
          input: {
            path: 'src/stats.js',
            oldText: 'for (let i = 1; i < numbers.length; i++)',
            newText: 'for (let i = 0; i < numbers.length; i++)',
          },
        },
      ],
    },
    { toolCalls: [{ name: 'finish', input: { summary: 'The loop now starts at 0.' } }] },
  ],
  reviewer: [
    { toolCalls: [{ name: 'submit_review', input: { summary: 'Minimal and correct.', findings: [] } }] },
  ],
};

export interface LoadDepsInput {
  /** The SQLite file the server's store uses too. */
  dbPath: string;
  home: string;
  /** The working directory of script models. */
  dir: string;
  sandbox: 'none' | 'bubblewrap';
}

/** The server-load benchmark's session deps: a SQLite store on `dbPath`, scripted models. */
export async function openWorkerDeps(input: LoadDepsInput): Promise<SessionDeps> {
  const ids = createRandomIds();
  return {
    store: await openSqliteStore({ path: input.dbPath, clock: systemClock, ids }),
    sandboxes: input.sandbox === 'none' ? createNoSandboxProvider() : createBubblewrapProvider(),
    models: (spec) =>
      createModelRouter({ default: spec, env: {}, cwd: input.dir, scripts: { load: LOAD_SCRIPT } }),
    clock: systemClock,
    ids,
    home: input.home,
    budget: DEFAULT_BUDGET,
  };
}

/** For startServer's `workerThread`: the thread loads openWorkerDeps from here. */
export const LOAD_DEPS_MODULE = import.meta.url;
