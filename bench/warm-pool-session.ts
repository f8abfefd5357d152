import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../src/core/ports/clock.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { unmountStable } from '../src/environments/stable-mount.ts';
import { createModelRouter } from '../src/models/router.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { openSessionLayers, type SessionLayers } from '../src/sessions/session-workspace.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { Benchmark } from './benchmark.ts';
import { runChecked } from './processes.ts';
import { summarize } from './stats.ts';

const COLD = 'session on an image, no warm pool: task → first agent step';
const WARM = 'session on an image, warm pool of 1: task → first agent step';
const COLD_READY = 'no warm pool: image found → workspace ready';
const WARM_READY = 'warm pool of 1: image found → workspace ready';

/**
 * Task to first agent step for a session on a current environment image, with the sandbox started
 * for it (cold) vs handed over from a warm pool of one (DRYDOCK_WARM_POOL=1, the default of `up` and
 * `worker`). Rounds alternate, each session at a new commit of the same setup inputs (the image is
 * reused and the checkout moved to the commit), and the pool is refilled before each warm session,
 * as it is between sessions that do not arrive back to back.
 */
export const warmPoolSession: Benchmark = {
  id: 'warm-pool-session',
  title: 'Warm pool: a session on an environment image, sandbox handed over vs started',
  baseline: 'the same session starting its own sandbox on the image (what every session pays without a pool)',

  async run(context) {
    const dir = await context.scratch('warm-pool-session');
    const repo = join(dir, 'repo');
    const home = join(dir, 'home');
    await mkdir(join(repo, '.drydock'), { recursive: true });
    const git = (...args: string[]) => runChecked('git', ['-C', repo, ...args]);
    const commit = async (message: string) => {
      await git('add', '-A');
      await git('-c', 'user.email=bench@example.org', '-c', 'user.name=bench', 'commit', '-q', '-m', message);
    };
    await git('init', '-q', '-b', 'main');
    await writeFile(join(repo, '.gitignore'), 'deps/\n');
    await writeFile(
      join(repo, '.drydock', 'config.yaml'),
      'setup: mkdir -p deps && seq 1 2000 | while read i; do echo "$i" > deps/f$i; done\n',
    );
    await writeFile(join(repo, 'version.txt'), 'round 0\n');
    await commit('round 0');

    const store = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('w'),
    });
    context.defer(() => store.close());
    const provider = createBubblewrapProvider();
    const open = async (warmPool: number): Promise<SessionLayers> => {
      const { layers, reason } = await openSessionLayers(home, provider, { warmPool });
      if (!layers) throw new Error(`the warm pool needs overlayfs layers: ${reason}`);
      return layers;
    };
    const plain = await open(0);
    const pooled = await open(1);
    context.defer(() => pooled.pool!.drain());
    const script = {
      coder: [
        { toolCalls: [{ name: 'bash', input: { command: 'cat version.txt; ls deps | wc -l' } }] },
        { toolCalls: [{ name: 'finish', input: { summary: 'looked' } }] },
      ],
    };
    const ids = createSequentialIds('s');
    const depsWith = (layers: SessionLayers): SessionDeps => ({
      store,
      sandboxes: provider,
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts: { look: script } }),
      clock: systemClock,
      ids,
      home,
      budget: DEFAULT_BUDGET,
      layers,
    });

    const session = async (
      layers: SessionLayers,
    ): Promise<{ firstStepMs: number; readyMs: number; warm: boolean }> => {
      const deps = depsWith(layers);
      const created = await createSession(deps, { task: 'look', repo, model: 'script:look' });
      context.defer(() => unmountStable(workspacePathOf(home, created.id)));
      const started = Date.parse(created.createdAt);
      await runSession(deps, created.id);
      const events = await store.listEvents(created.id);
      const step = events.find((e) => e.data.type === 'tool.call');
      const ready = events.find((e) => e.data.type === 'workspace.ready');
      const image = events.find((e) => e.data.type === 'environment.image');
      if (!step || !image || ready?.data.type !== 'workspace.ready')
        throw new Error(
          `session ${created.id} did not reach its first step: ${JSON.stringify(events.at(-1)?.data)}`,
        );
      return {
        firstStepMs: Date.parse(step.at) - started,
        readyMs: Date.parse(ready.at) - Date.parse(image.at),
        warm: ready.data.warm === true,
      };
    };

    // Builds the image (and warms the base layer cache, the page cache and the pool's key).
    context.log('building the image');
    await session(pooled);
    await pooled.pool!.settled();

    const rounds = context.iterations({ full: 15, quick: 3 });
    const cold: Array<{ firstStepMs: number; readyMs: number }> = [];
    const warm: Array<{ firstStepMs: number; readyMs: number }> = [];
    for (let round = 1; round <= rounds; round++) {
      if (context.signal.aborted) break;
      await writeFile(join(repo, 'version.txt'), `round ${round}\n`);
      await commit(`round ${round}`);
      const a = await session(plain);
      if (a.warm) throw new Error('a session without a pool was handed a pooled sandbox');
      await pooled.pool!.settled();
      const b = await session(pooled);
      if (!b.warm) throw new Error('the pooled session was not handed a started sandbox');
      cold.push(a);
      warm.push(b);
    }
    return {
      rows: [
        { label: COLD, short: 'cold', baseline: true, summary: summarize(cold.map((s) => s.firstStepMs)) },
        { label: WARM, summary: summarize(warm.map((s) => s.firstStepMs)), compareWith: [COLD] },
        {
          label: COLD_READY,
          short: 'cold start',
          baseline: true,
          summary: summarize(cold.map((s) => s.readyMs)),
          compareWith: [],
        },
        { label: WARM_READY, summary: summarize(warm.map((s) => s.readyMs)), compareWith: [COLD_READY] },
      ],
      notes: [
        'From the session record (`createdAt`) to its first `tool.call` event, with a scripted model: reading the ' +
          'config at the commit, finding the image, starting or taking the sandbox, checking out the commit from ' +
          'outside, the baseline checks (none here) and the model call. The image holds 2,000 small files from ' +
          'setup. "Image found → workspace ready" is from the `environment.image` event to `workspace.ready`: ' +
          "starting (or taking) the sandbox, binding it at the session path and checking out the session's commit " +
          "from outside (a fetch and a checkout: the same in both). Timestamps are the store's (millisecond " +
          'resolution). The pool refills in the background right after the hand-off, so the warm session shares ' +
          'the CPU with one sandbox start.',
      ],
    };
  },
};
