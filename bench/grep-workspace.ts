import { sandboxBaseEnv } from '../src/sandbox/bubblewrap-args.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { Benchmark } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runProcess } from './processes.ts';
import type { Summary } from './stats.ts';

const HOST = 'grep -r on the host';
const SANDBOX = 'grep -r in the sandbox (sandbox.exec)';

function matchCount(output: string): number {
  return output.split('\n').filter((line) => line.endsWith('.ts')).length;
}

export const grepWorkspace: Benchmark = {
  id: 'grep',
  title: 'grep across a large workspace',
  baseline: 'the same `grep -r -l` on the host, same tree, same environment, warm page cache',

  async run(context) {
    const tree = await context.tree();
    const args = ['-r', '-l', tree.needle, 'src'];
    const sandbox = await createBubblewrapProvider().create({
      sessionId: 'bench-grep',
      workspacePath: tree.root,
    });
    const destroy = context.track(sandbox);
    // A grep that finds the wrong files would make a fast but meaningless number.
    const check = (found: number, where: string): void => {
      if (found !== tree.filesWithNeedle) {
        throw new Error(`grep ${where} found ${found} files, expected ${tree.filesWithNeedle}`);
      }
    };
    try {
      const summaries = await measureInterleaved(
        [
          {
            label: HOST,
            run: () =>
              timed(async () => {
                const result = await runProcess('grep', args, { cwd: tree.root, env: sandboxBaseEnv() });
                check(matchCount(result.stdout), 'on the host');
              }),
          },
          {
            label: SANDBOX,
            run: () =>
              timed(async () =>
                check(matchCount((await sandbox.exec(['grep', ...args])).output), 'in the sandbox'),
              ),
          },
        ],
        // The warm-up also fills the page cache, so neither side reads the disk.
        {
          signal: context.signal,
          iterations: context.iterations({ full: 20, quick: 3 }),
          warmup: context.warmup({ full: 2, quick: 1 }),
        },
      );
      const throughput = (summary: Summary): string =>
        `${(tree.bytes / 1e6 / (summary.p50 / 1000)).toFixed(0)} MB/s`;
      const host = summaryOf(summaries, HOST);
      const inside = summaryOf(summaries, SANDBOX);
      return {
        rows: [
          { label: HOST, short: 'host', baseline: true, summary: host, note: throughput(host) },
          { label: SANDBOX, summary: inside, note: throughput(inside) },
        ],
        goals: [{ row: SANDBOX, baseline: HOST, maxRatio: 1.1 }],
        notes: [
          `The tree: ${tree.files.toLocaleString('en')} files in nested directories, ` +
            `${(tree.bytes / 1e6).toFixed(0)} MB, ${tree.filesWithNeedle} of them containing the word searched for; ` +
            'the workspace is a bind mount of the same directory.',
        ],
      };
    } finally {
      await destroy();
    }
  },
};
