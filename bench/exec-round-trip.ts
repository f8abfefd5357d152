import { join } from 'node:path';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { ExecResult } from '../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { Benchmark } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runChecked } from './processes.ts';
import { formatMs } from './report.ts';

const SPAWN = "spawn('true')";
const EXEC_ARGV = "sandbox.exec(['true'])";
const EXEC_SHELL = "sandbox.exec('true') (bash -c, as the bash tool runs it)";
const OOM_WRAPPER = "host: the supervisor's sh wrapper + true";

/** What the supervisor runs for an argv exec (supervisor.ts, withOomScoreAdj), run on the host. */
const OOM_WRAPPER_ARGS = ['-c', 'echo 1000 > /proc/self/oom_score_adj 2>/dev/null; exec "$@"', 'sh', 'true'];

function expectSuccess(result: ExecResult): void {
  if (result.exitCode !== 0)
    throw new Error(`true exited ${result.exitCode} in the sandbox: ${result.output}`);
}

export const execRoundTrip: Benchmark = {
  id: 'exec-round-trip',
  title: 'Exec round trip',
  baseline: "a bare `child_process.spawn('true')` on the host, until it exits and its pipes close",

  async run(context) {
    const workspacePath = join(await context.scratch('exec'), 'workspace');
    await runChecked('mkdir', [workspacePath]);
    await createSampleRepo(workspacePath);
    const sandbox = await createBubblewrapProvider().create({
      sessionId: 'bench-exec',
      workspacePath,
      readOnlyPaths: ['.git'],
    });
    const destroy = context.track(sandbox);
    try {
      const summaries = await measureInterleaved(
        [
          { label: SPAWN, run: () => timed(() => runChecked('true')) },
          { label: EXEC_ARGV, run: () => timed(async () => expectSuccess(await sandbox.exec(['true']))) },
          { label: EXEC_SHELL, run: () => timed(async () => expectSuccess(await sandbox.exec('true'))) },
          { label: OOM_WRAPPER, run: () => timed(() => runChecked('/bin/sh', OOM_WRAPPER_ARGS)) },
        ],
        {
          signal: context.signal,
          iterations: context.iterations({ full: 300, quick: 30 }),
          warmup: context.warmup({ full: 20, quick: 5 }),
        },
      );
      const spawn = summaryOf(summaries, SPAWN);
      const exec = summaryOf(summaries, EXEC_ARGV);
      const wrapper = summaryOf(summaries, OOM_WRAPPER);
      return {
        rows: [
          { label: SPAWN, short: 'spawn', baseline: true, summary: spawn },
          { label: EXEC_ARGV, summary: exec },
          { label: EXEC_SHELL, summary: summaryOf(summaries, EXEC_SHELL) },
          { label: OOM_WRAPPER, summary: wrapper },
        ],
        goals: [{ row: EXEC_ARGV, baseline: SPAWN, maxRatio: 1.5 }],
        notes: [
          'Each exec is a request to the supervisor already running in the sandbox, which spawns the command in ' +
            'its own process group through a `sh` that sets `oom_score_adj`; the last row runs that same ' +
            'wrapper on the host, to separate the wrapper from the request.',
          `At p50 an exec costs ${formatMs(exec.p50 - spawn.p50)} more than a bare spawn; the wrapper alone ` +
            `costs ${formatMs(wrapper.p50 - spawn.p50)} more on the host.`,
        ],
      };
    } finally {
      await destroy();
    }
  },
};
