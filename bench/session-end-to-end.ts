import { join } from 'node:path';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import type { SessionState } from '../src/core/session-state.ts';
import { createModelRouter } from '../src/models/router.ts';
import { sandboxBaseEnv } from '../src/sandbox/bubblewrap-args.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { Benchmark, Row } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { phaseDurations } from './phase-durations.ts';
import { runChecked, runProcess } from './processes.ts';
import { summarize } from './stats.ts';

const NPM_TEST = 'npm test on the host, once';
const SESSION = 'whole session: createSession → delivered';
const PHASES: ReadonlyArray<[SessionState, string]> = [
  ['queued', 'queued (until the runner picks it up)'],
  ['provisioning', 'provisioning (clone + sandbox)'],
  ['setup', 'setup (check discovery + baseline checks)'],
  ['working', 'working (agent loop, 2 × npm test)'],
  ['verifying', 'verifying (checks again + gate)'],
  ['reviewing', 'reviewing (reviewer agent)'],
  ['delivering', 'delivering (commit + fetch into the repo)'],
];

export const sessionEndToEnd: Benchmark = {
  id: 'session',
  title: 'A whole session end to end (scripted demo model)',
  baseline:
    "the sample repository's `npm test` run once directly on the host, with the sandbox's PATH (what a " +
    "human's single test run costs)",

  async run(context) {
    const dir = await context.scratch('session');
    const repo = join(dir, 'repo');
    const home = join(dir, 'home');
    await runChecked('mkdir', [repo]);
    await createSampleRepo(repo);
    const store = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('s'),
    });
    context.defer(() => store.close());
    const deps: SessionDeps = {
      store,
      sandboxes: createBubblewrapProvider(),
      models: (spec) =>
        createModelRouter({ default: spec, env: {}, cwd: dir, scripts: { demo: DEMO_SCRIPT } }),
      clock: systemClock,
      ids: createSequentialIds('s'),
      home,
      budget: DEFAULT_BUDGET,
    };
    // The same npm and node the session's checks find inside the sandbox (/usr/bin, not the bench's Node).
    // No update check: the sandbox has no network to make one, and the host's should not be timed.
    const npmEnv = { ...sandboxBaseEnv(), HOME: join(dir, 'npm-home'), npm_config_update_notifier: 'false' };
    const warmup = context.warmup({ full: 1, quick: 0 });
    /** Each session's phases, warm-up sessions first. */
    const sessions: Array<Map<SessionState, number>> = [];

    const summaries = await measureInterleaved(
      [
        {
          label: SESSION,
          run: async () => {
            let sessionId = '';
            const ms = await timed(async () => {
              const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:demo' });
              sessionId = created.id;
              const session = await runSession(deps, created.id);
              if (session.state !== 'delivered') {
                throw new Error(`the demo session ended ${session.state}: ${session.reason ?? 'no reason'}`);
              }
            });
            sessions.push(phaseDurations(await store.listEvents(sessionId)));
            return ms;
          },
        },
        {
          label: NPM_TEST,
          run: () =>
            timed(async () => {
              // The sample's tests fail on the base commit (that is the demo's bug): exit 1 is expected.
              const result = await runProcess('npm', ['test'], { cwd: repo, env: npmEnv });
              if (result.exitCode !== 1)
                throw new Error(`npm test exited ${result.exitCode}: ${result.stderr}`);
            }),
        },
      ],
      {
        signal: context.signal,
        iterations: context.iterations({ full: 3, quick: 1 }),
        warmup,
        onRound: (round, rounds) => context.log(`round ${round}/${rounds}`),
      },
    );

    const timedSessions = sessions.slice(warmup);
    const phaseRows: Row[] = PHASES.flatMap(([state, label]) => {
      const samples = timedSessions.flatMap((phases) => phases.get(state) ?? []);
      return samples.length === 0 ? [] : [{ label: `  ${label}`, summary: summarize(samples) }];
    });
    return {
      rows: [
        { label: NPM_TEST, short: 'npm test', baseline: true, summary: summaryOf(summaries, NPM_TEST) },
        { label: SESSION, summary: summaryOf(summaries, SESSION) },
        ...phaseRows,
      ],
      notes: [
        "Phases come from the `state.changed` timestamps in the event log. The session runs the sample's " +
          '`npm test` four times (baseline, twice by the scripted coder, verification), each inside the ' +
          'sandbox; the model itself answers instantly. SQLite store on a file, bubblewrap sandbox.',
      ],
    };
  },
};
