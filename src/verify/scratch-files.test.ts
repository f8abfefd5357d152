import { describe, expect, it } from 'vitest';
import type { FileChange, FileDiff } from '../core/unified-diff.ts';
import { findScratchFiles } from './scratch-files.ts';
import { findSoftSignals } from './soft-signals.ts';

function file(path: string, change: FileChange = 'added', oldPath: string | null = null): FileDiff {
  return {
    path,
    oldPath: change === 'added' ? null : (oldPath ?? path),
    newPath: change === 'deleted' ? null : path,
    change,
    binary: false,
    hunks: [],
    added: [{ line: 1, text: 'x' }],
    removed: [],
  };
}

const TASK = 'mean() of an empty list returns NaN instead of 0; fix it in src/stats.js';

describe('findScratchFiles', () => {
  it.each<[string, FileDiff, false | 'scratch' | 'misplaced', string?]>([
    // Leftovers an agent writes for itself.
    ['a reproduction script', file('repro.py'), 'scratch'],
    ['a fix check in JavaScript', file('test_fix.js'), 'scratch'],
    ['notes', file('notes.md'), 'scratch'],
    ['captured output', file('out.txt'), 'scratch'],
    ['a debug script', file('debug_mean.py'), 'scratch'],
    ['a rejected hunk', file('stats.js.rej'), 'scratch'],
    ['a log', file('npm-debug.log'), 'scratch'],
    // Misplaced: not a leftover by name, but no project keeps it at its root.
    ['a stray module', file('helpers.js'), 'misplaced'],
    ['a test at the root of a repository', file('mean.test.js'), 'misplaced'],
    // Named in the task.
    ['a file the task names', file('repro.py'), false, 'Add repro.py, a script that reproduces the crash'],
    ['a stem the task names', file('benchmark.js'), false, 'Add a benchmark for mean()'],
    ['a scratch stem is not named by a word', file('output.txt'), 'scratch', 'the output of mean() is wrong'],
    // Conventional root files.
    ['a README', file('README.md'), false],
    ['a changelog', file('CHANGELOG.md'), false],
    ['a manifest', file('package.json'), false],
    ['a tool config', file('vitest.config.ts'), false],
    ['a tsconfig variant', file('tsconfig.build.json'), false],
    ['python requirements', file('requirements-dev.txt'), false],
    ['a Dockerfile', file('Dockerfile'), false],
    ['a Makefile', file('Makefile'), false],
    ['a dotfile', file('.nvmrc'), false],
    ['conftest', file('conftest.py'), false],
    ['an entry point', file('index.js'), false],
    // Not new, or not at the top.
    ['a file in a directory', file('scripts/repro.py'), false],
    ['a changed file', file('notes.md', 'modified'), false],
    ['a deleted file', file('repro.py', 'deleted'), false],
    ['a file renamed at the root', file('notes.md', 'renamed', 'NOTES.txt'), false],
    ['a file moved up to the root', file('repro.py', 'renamed', 'scripts/repro.py'), 'scratch'],
  ])('%s', (_name, diff, expected, task = TASK) => {
    const found = findScratchFiles(task, [diff]);
    if (expected === false) expect(found).toEqual([]);
    else expect(found).toEqual([{ path: diff.path, looksScratch: expected === 'scratch' }]);
  });

  it('warns through the soft signals, with what to do, and only when the task is known', () => {
    const signals = findSoftSignals([file('src/stats.js', 'modified'), file('repro.py')], { task: TASK });
    expect(signals).toEqual([
      {
        kind: 'scratch_file',
        severity: 'warning',
        file: 'repro.py',
        evidence: expect.stringContaining('looks like a leftover'),
      },
    ]);
    expect(findSoftSignals([file('repro.py')])).toEqual([]);
  });
});
