// Session deps for a server's worker thread in tests (startServer's `workerThread`): the harness's
// wiring, rebuilt inside the thread from plain data, since closures cannot cross threads.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { DEMO_SCRIPT } from '../../src/cli/demo/demo-script.ts';
import { systemClock } from '../../src/core/ports/clock.ts';
import { DEFAULT_BUDGET } from '../../src/core/session.ts';
import { createModelRouter } from '../../src/models/router.ts';
import { createNoSandboxProvider } from '../../src/sandbox/no-sandbox-provider.ts';
import type { SessionDeps } from '../../src/sessions/session-deps.ts';
import { createRandomIds } from '../../src/store/ids.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

export interface ThreadDepsInput {
  /** The harness's data home (its SQLite file is `drydock.db` there, script files under `scripts`). */
  home: string;
  /** The harness's directory (script models' working directory). */
  dir: string;
  /** Throws out of the first thread that opens these deps, this long after its store opened. */
  crashOnceAfterMs?: number;
}

export async function openWorkerDeps(input: ThreadDepsInput): Promise<SessionDeps> {
  // Tells the test which threads built deps (the main thread's id is 0).
  writeFileSync(join(input.home, `opened-by-thread-${threadId}`), '');
  const ids = createRandomIds();
  const store = await openSqliteStore({ path: join(input.home, 'drydock.db'), clock: systemClock, ids });
  // Timed from the open store (its migrations take a while under load), so the worker is up when it crashes.
  const crashed = join(input.home, 'crashed-once');
  if (input.crashOnceAfterMs !== undefined && !existsSync(crashed)) {
    writeFileSync(crashed, '');
    setTimeout(() => {
      throw new Error('a deliberate crash of the worker thread');
    }, input.crashOnceAfterMs);
  }
  return {
    store,
    sandboxes: createNoSandboxProvider(),
    models: (spec) =>
      createModelRouter({
        default: spec,
        env: {},
        cwd: input.dir,
        scripts: { demo: DEMO_SCRIPT },
        scriptsDir: join(input.home, 'scripts'),
      }),
    clock: systemClock,
    ids,
    home: input.home,
    budget: DEFAULT_BUDGET,
  };
}

export const THREAD_DEPS_MODULE = import.meta.url;
