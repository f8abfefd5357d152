import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SessionEvent } from '../src/core/events.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { unmountStable } from '../src/environments/stable-mount.ts';
import { createModelRouter } from '../src/models/router.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { openSessionLayers } from '../src/sessions/session-workspace.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { Benchmark } from './benchmark.ts';
import { runChecked } from './processes.ts';
import { summarize } from './stats.ts';

const FIRST_SETUP = 'first session: environment (builds the image)';
const SECOND_SETUP = 'second session: environment (reuses the image)';
const FIRST_STEP = 'first session: task → first agent step';
const SECOND_STEP = 'second session: task → first agent step';

// Writes a node_modules of `MB` megabytes in 10 kB files under 100 packages: an install without the
// network, so the bench measures drydock, not the registry.
const MAKE_MODULES = `const fs = require('fs'), crypto = require('crypto');
const total = Number(process.argv[2]) * 1e6, size = 10_000;
for (let i = 0, written = 0; written < total; i++) {
  const dir = 'node_modules/pkg-' + (i % 100) + '/lib';
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(dir + '/f' + i + '.js', crypto.randomBytes(size / 2).toString('hex'));
  written += size;
}
`;

/**
 * Task to first agent step on a repository whose setup installs a large node_modules: the first
 * session on a new lockfile builds the image, the second starts from it. Each round commits a new
 * lockfile, so each first session really builds.
 */
export const environmentImage: Benchmark = {
  id: 'environment',
  title: 'Environment images: first session (builds) vs second (reuses), large node_modules',
  baseline:
    'the first session on a lockfile, which runs setup and publishes the image (what every session would pay without images)',

  async run(context) {
    const megabytes = context.quick ? 15 : 150;
    const dir = await context.scratch('environment');
    const repo = join(dir, 'repo');
    const home = join(dir, 'home');
    await mkdir(join(repo, '.drydock'), { recursive: true });
    await mkdir(join(repo, 'scripts'), { recursive: true });
    const git = (...args: string[]) => runChecked('git', ['-C', repo, ...args]);
    await git('init', '-q', '-b', 'main');
    await writeFile(join(repo, 'scripts', 'make-modules.js'), MAKE_MODULES);
    await writeFile(join(repo, '.gitignore'), 'node_modules/\n');
    await writeFile(
      join(repo, '.drydock', 'config.yaml'),
      `setup: node scripts/make-modules.js ${megabytes}\ninputs: [package-lock.json]\n`,
    );
    const store = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('e'),
    });
    context.defer(() => store.close());
    const provider = createBubblewrapProvider();
    const { layers, reason } = await openSessionLayers(home, provider);
    if (!layers) throw new Error(`environment images need overlayfs layers: ${reason}`);
    const script = {
      coder: [
        { toolCalls: [{ name: 'bash', input: { command: 'ls node_modules | wc -l' } }] },
        { toolCalls: [{ name: 'finish', input: { summary: 'looked' } }] },
      ],
    };
    const deps: SessionDeps = {
      store,
      sandboxes: provider,
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts: { look: script } }),
      clock: systemClock,
      ids: createSequentialIds('s'),
      home,
      budget: DEFAULT_BUDGET,
      layers,
    };

    const session = async (): Promise<{ environmentMs: number; firstStepMs: number; reused: boolean }> => {
      const created = await createSession(deps, {
        task: 'look at the dependencies',
        repo,
        model: 'script:look',
      });
      context.defer(() => unmountStable(workspacePathOf(home, created.id)));
      const started = Date.parse(created.createdAt);
      await runSession(deps, created.id);
      const events = await store.listEvents(created.id);
      const at = (test: (event: SessionEvent) => boolean) => {
        const found = events.find(test);
        if (!found)
          throw new Error(`session ${created.id} has no such event: ${JSON.stringify(events.at(-1)?.data)}`);
        return Date.parse(found.at);
      };
      const provisioning = at((e) => e.data.type === 'state.changed' && e.data.to === 'provisioning');
      const image = events.find((e) => e.data.type === 'environment.image');
      if (image?.data.type !== 'environment.image')
        throw new Error('the session recorded no environment image');
      return {
        environmentMs: Date.parse(image.at) - provisioning,
        firstStepMs: at((e) => e.data.type === 'tool.call') - started,
        reused: image.data.reused,
      };
    };

    const rounds = context.iterations({ full: 3, quick: 1 });
    const first: Array<{ environmentMs: number; firstStepMs: number }> = [];
    const second: Array<{ environmentMs: number; firstStepMs: number }> = [];
    for (let round = 1; round <= rounds; round++) {
      if (context.signal.aborted) break;
      context.log(`round ${round}/${rounds}`);
      await writeFile(join(repo, 'package-lock.json'), `{"lockfileVersion": 3, "round": ${round}}\n`);
      await git('add', '-A');
      await git(
        '-c',
        'user.email=bench@example.org',
        '-c',
        'user.name=bench',
        'commit',
        '-q',
        '-m',
        `round ${round}`,
      );
      const built = await session();
      const reused = await session();
      if (built.reused || !reused.reused)
        throw new Error('the first session must build and the second reuse');
      first.push(built);
      second.push(reused);
    }
    return {
      rows: [
        {
          label: FIRST_SETUP,
          short: 'first setup',
          baseline: true,
          summary: summarize(first.map((s) => s.environmentMs)),
        },
        {
          label: SECOND_SETUP,
          summary: summarize(second.map((s) => s.environmentMs)),
          compareWith: [FIRST_SETUP],
        },
        {
          label: FIRST_STEP,
          short: 'first session',
          baseline: true,
          summary: summarize(first.map((s) => s.firstStepMs)),
          compareWith: [],
        },
        {
          label: SECOND_STEP,
          summary: summarize(second.map((s) => s.firstStepMs)),
          compareWith: [FIRST_STEP],
        },
      ],
      goals: [{ row: SECOND_SETUP, baseline: FIRST_SETUP, maxRatio: 0.01 }],
      notes: [
        `Setup writes a ${megabytes} MB node_modules (10 kB files in 100 packages) with a script, offline, so the ` +
          'registry is not what is measured. "Environment" is from the session entering provisioning to its ' +
          '`environment.image` event: reading the config and lockfile at the commit, keying the image, and either ' +
          'building it (base layer, sandbox, setup, snapshot into a layer) or finding it. The second session also ' +
          'starts its sandbox on the image and checks out its commit before its first step.',
      ],
    };
  },
};
