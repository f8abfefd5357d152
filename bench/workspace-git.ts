import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { workspaceChange } from '../src/forge/local-delivery.ts';
import { workspaceGit } from '../src/forge/workspace-git.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { unconfined } from '../src/sandbox/host-provider.ts';
import type { Benchmark } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runChecked } from './processes.ts';
import { formatMs } from './report.ts';

const PLAIN = 'git diff HEAD (plain, on the host)';
const UNCONFINED = 'workspaceChange, hardened git on the host (--sandbox none)';
const CONFINED = 'workspaceChange, hardened git confined by bubblewrap (the default)';

/**
 * What drydock's git on the agent's tree costs (docs/sandbox.md, "drydock's git on the agent's tree"):
 * the diff the gate judges, made by git confined in a throwaway sandbox, against the same diff made by
 * the hardened git unconfined, and a plain `git diff` as the baseline.
 */
export const workspaceGitBench: Benchmark = {
  id: 'workspace-git',
  title: "drydock's git on the agent's tree",
  baseline: 'a plain `git diff HEAD` of the same change on the host',

  async run(context) {
    const workspace = join(await context.scratch('workspace-git'), 'workspace');
    await runChecked('mkdir', [workspace]);
    await createSampleRepo(workspace);
    await writeFile(join(workspace, 'src', 'stats.js'), 'export const changed = true;\n');
    await writeFile(join(workspace, 'notes.md'), 'a new file\n');
    const base = (await runChecked('git', ['-C', workspace, 'rev-parse', 'HEAD'])).trim();
    const confinement = createBubblewrapProvider().confinement;
    const summaries = await measureInterleaved(
      [
        { label: PLAIN, run: () => timed(() => runChecked('git', ['-C', workspace, 'diff', 'HEAD'])) },
        {
          label: UNCONFINED,
          run: () => timed(() => workspaceChange(workspaceGit(workspace, unconfined), base)),
        },
        {
          label: CONFINED,
          run: () => timed(() => workspaceChange(workspaceGit(workspace, confinement), base)),
        },
      ],
      {
        signal: context.signal,
        iterations: context.iterations({ full: 40, quick: 8 }),
        warmup: context.warmup({ full: 3, quick: 1 }),
      },
    );
    const plain = summaryOf(summaries, PLAIN);
    const hardened = summaryOf(summaries, UNCONFINED);
    const confined = summaryOf(summaries, CONFINED);
    return {
      rows: [
        { label: PLAIN, short: 'git diff', baseline: true, summary: plain },
        { label: UNCONFINED, summary: hardened },
        { label: CONFINED, summary: confined },
      ],
      notes: [
        'workspaceChange runs six git commands (read-tree into a throwaway index, the two listings that find ' +
          'nested repositories and submodule paths, add, the gitlink check, the diff); confined, each starts in ' +
          'a throwaway bubblewrap sandbox with the seccomp filter.',
        `Confinement adds ${formatMs((confined.p50 - hardened.p50) / 6)} per git command at p50 ` +
          `(${formatMs(confined.p50 - hardened.p50)} per diff); the gate makes one diff per verification round, ` +
          'delivery one commit.',
      ],
    };
  },
};
