import { join } from 'node:path';
import { prepareWorkspace } from '../src/environments/local-workspace.ts';
import type { Benchmark } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runChecked } from './processes.ts';

const PREPARE = 'prepareWorkspace (clone with hard links + checkout)';
const COPY = 'cp -a';
const WORKTREE = 'git worktree add';

export const workspacePrepare: Benchmark = {
  id: 'workspace-prepare',
  title: 'Workspace preparation',
  baseline:
    '`cp -a` of the repository (working tree and `.git`) and `git worktree add` of the same commit: the two ' +
    'obvious ways to get a private copy',

  async run(context) {
    const repo = await context.repository();
    const scratch = await context.scratch('prepare');
    let copies = 0;
    const git = (...args: string[]) =>
      runChecked('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd: repo.root });
    // Every copy is flushed before the next one starts, so one run's write-back does not land in the
    // next run's timing. Copies are deleted only when the run ends: on ext4 without a journal, creating
    // files within about 30 s of deleting many crawls (the inode allocator skips recently deleted
    // inodes one by one), so deleting between runs would time the previous run's deletion.
    const settle = () => runChecked('sync');
    // The worktrees' metadata lives in the generated repository, which is deleted with them.

    const summaries = await measureInterleaved(
      [
        {
          label: PREPARE,
          run: async () => {
            const target = join(scratch, `workspace-${++copies}`);
            const ms = await timed(() => prepareWorkspace(repo.root, repo.commit, target));
            await settle();
            return ms;
          },
        },
        {
          label: COPY,
          run: async () => {
            const target = join(scratch, `copy-${++copies}`);
            const ms = await timed(() => runChecked('cp', ['-a', repo.root, target]));
            await settle();
            return ms;
          },
        },
        {
          label: WORKTREE,
          run: async () => {
            const target = join(scratch, `worktree-${++copies}`);
            const ms = await timed(() => git('worktree', 'add', '--quiet', '--detach', target, repo.commit));
            await settle();
            return ms;
          },
        },
      ],
      {
        signal: context.signal,
        // No warm-up: each run writes a full copy, and the repository was just written (it is in the page cache).
        iterations: context.iterations({ full: 4, quick: 2 }),
        warmup: 0,
        onRound: (round, rounds) => context.log(`round ${round}/${rounds}`),
      },
    );

    return {
      rows: [
        { label: COPY, short: 'cp -a', baseline: true, summary: summaryOf(summaries, COPY) },
        { label: WORKTREE, short: 'worktree', baseline: true, summary: summaryOf(summaries, WORKTREE) },
        { label: PREPARE, summary: summaryOf(summaries, PREPARE) },
      ],
      notes: [
        `The repository: the generated tree (${repo.files.toLocaleString('en')} files, ` +
          `${(repo.bytes / 1e6).toFixed(0)} MB) in one commit, packed. Each copy is \`sync\`ed untimed before ` +
          'the next and kept until the end of the run (deleting many files slows the next creations on ext4 ' +
          'without a journal, as here); with this few runs p95 is close to the slowest run.',
      ],
    };
  },
};
