import { join } from 'node:path';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { Benchmark } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runChecked } from './processes.ts';

const SANDBOX = 'bubblewrap sandbox: create() → first exec answered';
const SPARE = 'from a spare (started, workspace mounted at hand-off): create() → first exec answered';
const SPAWN = "spawn('true')";
const BWRAP = 'bwrap --unshare-all … true';

/** The isolation drydock's own diagnosis asks users to try: enough to pay for the namespaces. */
const BARE_BWRAP_ARGS = ['--unshare-all', '--unshare-user', '--uid', '1000', '--ro-bind', '/', '/'];

export const sandboxColdStart: Benchmark = {
  id: 'cold-start',
  title: 'Sandbox cold start',
  baseline:
    "a bare `spawn('true')` (the floor of any process start) and a bare `bwrap` running `true` (the cost of the " +
    'namespaces alone)',

  async run(context) {
    const workspacePath = join(await context.scratch('cold-start'), 'workspace');
    await runChecked('mkdir', [workspacePath]);
    await createSampleRepo(workspacePath);
    // One provider, as drydock has: what it detects once (cgroups, host layout) is not a per-sandbox cost.
    const provider = createBubblewrapProvider();
    // As root, a provider with a spare: create() mounts the workspace into a sandbox started already.
    const asRoot = process.getuid?.() === 0;
    const withSpare = createBubblewrapProvider({ spares: 1 });
    context.defer(() => withSpare.drainSpares());
    let mechanism = 'unknown';
    let sessions = 0;
    let spareRuns = 0;
    const sandboxRun = (from: typeof provider, spare: boolean) => async () => {
      // The spare refills in the background after each hand-off: waited for, untimed, before every
      // case, so no case shares the CPU with it but the hand-off that started it.
      await withSpare.sparesSettled();
      // The first one fills the spare.
      const expectSpare = spare && ++spareRuns > 1;
      let destroy: (() => Promise<void>) | undefined;
      const ms = await timed(async () => {
        const sandbox = await from.create({
          sessionId: `bench-${++sessions}`,
          workspacePath,
          readOnlyPaths: ['.git'],
        });
        destroy = context.track(sandbox);
        if (expectSpare && !sandbox.id.startsWith('spare-'))
          throw new Error('the provider had no spare ready');
        mechanism = sandbox.limits.mechanism;
        const result = await sandbox.exec(['true']);
        if (result.exitCode !== 0) throw new Error(`true exited ${result.exitCode} in the sandbox`);
      });
      await destroy?.();
      return ms;
    };

    const summaries = await measureInterleaved(
      [
        { label: SANDBOX, run: sandboxRun(provider, false) },
        ...(asRoot ? [{ label: SPARE, run: sandboxRun(withSpare, true) }] : []),
        {
          label: SPAWN,
          run: async () => {
            await withSpare.sparesSettled();
            return timed(() => runChecked('true'));
          },
        },
        {
          label: BWRAP,
          run: async () => {
            await withSpare.sparesSettled();
            return timed(() => runChecked('bwrap', [...BARE_BWRAP_ARGS, 'true']));
          },
        },
      ],
      {
        signal: context.signal,
        iterations: context.iterations({ full: 20, quick: 3 }),
        warmup: context.warmup({ full: 2, quick: 1 }),
      },
    );

    return {
      rows: [
        { label: SPAWN, short: 'spawn', baseline: true, summary: summaryOf(summaries, SPAWN) },
        { label: BWRAP, short: 'bwrap', baseline: true, summary: summaryOf(summaries, BWRAP) },
        { label: SANDBOX, summary: summaryOf(summaries, SANDBOX) },
        ...(asRoot ? [{ label: SPARE, summary: summaryOf(summaries, SPARE) }] : []),
      ],
      notes: [
        `The sandbox is the full drydock sandbox (limits by ${mechanism}, read-only system, masked /etc, private ` +
          '/tmp, the Node supervisor started inside) on the demo sample repository; destroying it is not timed. ' +
          '"From a spare" (as root only): the provider keeps one sandbox started without a workspace and, at ' +
          'create(), mounts the workspace into it (with `.git` read-only); the refill after each hand-off is waited ' +
          'for, untimed, before every case.',
      ],
    };
  },
};
