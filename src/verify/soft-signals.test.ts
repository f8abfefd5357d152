import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FileChange, FileDiff } from '../core/unified-diff.ts';
import { findSoftSignals, type SoftSignal } from './soft-signals.ts';

const sample = readFileSync(new URL('fixtures/sample.diff', import.meta.url), 'utf8');

function file(
  path: string,
  added: string[] = [],
  removed: string[] = [],
  change: FileChange = 'modified',
): FileDiff {
  return {
    path,
    oldPath: change === 'added' ? null : path,
    newPath: change === 'deleted' ? null : path,
    change,
    binary: false,
    hunks: [],
    added: added.map((text, index) => ({ line: index + 1, text })),
    removed: removed.map((text, index) => ({ line: index + 1, text })),
  };
}

const kinds = (signals: SoftSignal[]) => signals.map((signal) => [signal.kind, signal.file, signal.line]);

describe('findSoftSignals on a real git diff', () => {
  it('finds the deleted test file, the skip, the removed assertion and the binary file', () => {
    expect(findSoftSignals(sample)).toEqual([
      {
        kind: 'test_deleted',
        severity: 'blocking',
        file: 'test/gone.test.js',
        evidence: 'test file deleted (1 lines)',
      },
      {
        kind: 'test_skipped',
        severity: 'blocking',
        file: 'test/stats.test.js',
        line: 3,
        evidence: "skips a test: test.skip('mean', () => {",
      },
      {
        kind: 'assertions_removed',
        severity: 'blocking',
        file: 'test/stats.test.js',
        line: 8,
        evidence: '1 assertion line(s) removed, 0 added; first removed: expect(mean([])).toBe(0);',
      },
      {
        kind: 'binary_or_generated',
        severity: 'warning',
        file: 'src/logo.png',
        evidence: 'binary file added',
      },
    ]);
  });
});

describe('weakened tests (blocking)', () => {
  it.each([
    ['a removed it()', [file('a.test.ts', [], ["it('adds', () => {"])], [['test_deleted', 'a.test.ts', 1]]],
    [
      'a removed pytest function',
      [file('tests/test_a.py', [], ['def test_adds():'])],
      [['test_deleted', 'tests/test_a.py', 1]],
    ],
    [
      'a removed go test',
      [file('a_test.go', [], ['func TestAdds(t *testing.T) {'])],
      [['test_deleted', 'a_test.go', 1]],
    ],
    ['a renamed test is kept', [file('a.test.ts', ["it('adds up', () => {"], ["it('adds', () => {"])], []],
    [
      'a test turned into xit is skipped, not deleted',
      [file('a.test.ts', ["xit('adds', () => {"], ["it('adds', () => {"])],
      [['test_skipped', 'a.test.ts', 1]],
    ],
    [
      'describe.only focuses',
      [file('a.test.ts', ["describe.only('math', () => {"])],
      [['test_skipped', 'a.test.ts', 1]],
    ],
    [
      '@pytest.mark.skip',
      [file('tests/test_a.py', ['@pytest.mark.skip(reason="flaky")'])],
      [['test_skipped', 'tests/test_a.py', 1]],
    ],
    ['t.Skip in go', [file('a_test.go', ['\tt.Skip("later")'])], [['test_skipped', 'a_test.go', 1]]],
    [
      'a skip that only moved',
      [file('a.test.ts', ["it.skip('x', () => {});"], ["it.skip('x', () => {});"])],
      [],
    ],
    ['a skip in a comment', [file('a.test.ts', ["// it.skip('x') was here"])], []],
    [
      'assertions replaced one for one',
      [file('a.test.ts', ['expect(x).toBe(2);'], ['expect(x).toBe(1);'])],
      [],
    ],
    [
      'more assertions removed than added',
      [file('tests/test_a.py', ['    assert x'], ['    assert x == 1', '    self.assertEqual(y, 2)'])],
      [['assertions_removed', 'tests/test_a.py', 1]],
    ],
    ['assertions removed outside tests are not weakening', [file('src/a.ts', [], ['assert(x > 0);'])], []],
    ['a deleted non-test file', [file('src/old.ts', [], ['export {}'], 'deleted')], []],
  ])('%s', (_name, files, expected) => {
    expect(kinds(findSoftSignals(files))).toEqual(expected);
  });

  it('marks weakening blocking and everything else a warning', () => {
    const signals = findSoftSignals([
      file('a.test.ts', ["it.only('x', () => {"]),
      file('src/a.ts', ['console.log(x);']),
    ]);
    expect(signals.map((signal) => [signal.kind, signal.severity])).toEqual([
      ['test_skipped', 'blocking'],
      ['debug_output', 'warning'],
    ]);
  });
});

describe('debug output', () => {
  it.each([
    ['console.log in source', file('src/a.ts', ['  console.log("here", x);']), true],
    ['console.log in a test', file('src/a.test.ts', ['console.log(x);']), false],
    ['console.log in a CLI', file('src/cli/main.ts', ['console.log(usage);']), false],
    ['console.log in a comment', file('src/a.ts', ['// console.log(x);']), false],
    ['debugger', file('src/a.test.ts', ['    debugger;']), true],
    ['print in python source', file('app/models.py', ['    print(user)']), true],
    ['print in a python test', file('tests/test_models.py', ['    print(user)']), false],
    ['breakpoint()', file('tests/test_models.py', ['    breakpoint()']), true],
    ['fmt.Println in a library', file('pkg/stats/mean.go', ['\tfmt.Println("sum", sum)']), true],
    ['fmt.Println in a command', file('cmd/tool/run.go', ['\tfmt.Println(result)']), false],
    ['dbg! in rust', file('src/lib.rs', ['    let y = dbg!(x * 2);']), true],
    ['a word containing log', file('src/a.ts', ['catalog.logger.info(x);']), false],
  ])('%s', (_name, diff, expected) => {
    expect(findSoftSignals([diff]).some((signal) => signal.kind === 'debug_output')).toBe(expected);
  });
});

describe('secrets', () => {
  const token = `ghp_${'aB3dE5gH7jK9mN1pQ2rS4tU6vW8xY0zAbCdE'}`;
  it('reports a token in an added line, redacted', () => {
    const [signal] = findSoftSignals([file('config/ci.env', [`GITHUB_TOKEN=${token}`])]);
    expect(signal).toEqual({
      kind: 'secret',
      severity: 'warning',
      file: 'config/ci.env',
      line: 1,
      evidence: 'GitHub token: ghp_…(40 chars)',
    });
    expect(JSON.stringify(signal)).not.toContain(token.slice(4));
  });

  it('ignores a token the change removes', () => {
    expect(findSoftSignals([file('config/ci.env', [], [`GITHUB_TOKEN=${token}`])])).toEqual([]);
  });
});

describe('binary or generated files', () => {
  const longLines = Array.from({ length: 600 }, () => 'x'.repeat(400));
  it.each([
    ['a lockfile', file('package-lock.json', ['{']), 'lockfile changed'],
    ['a nested lockfile', file('web/pnpm-lock.yaml', ['x']), 'lockfile changed'],
    ['build output', file('dist/index.js', ['x']), 'build output or vendored code'],
    ['minified code', file('public/app.min.js', ['x']), 'minified or compiled file'],
    [
      'a generated marker',
      file('api/types.pb.go', ['// Code generated by protoc-gen-go. DO NOT EDIT.']),
      'marked as generated',
    ],
    [
      'many very long lines',
      file('data/blob.js', longLines),
      '600 added lines, 600 longer than 300 characters',
    ],
  ])('%s', (_name, diff, evidence) => {
    expect(findSoftSignals([diff])).toEqual([
      { kind: 'binary_or_generated', severity: 'warning', file: diff.path, evidence },
    ]);
  });

  it('leaves ordinary source alone', () => {
    expect(findSoftSignals([file('src/build-plan.ts', ['export const x = 1;'])])).toEqual([]);
  });
});

describe('large diffs', () => {
  const lines = (count: number) => Array.from({ length: count }, (_, index) => `const x${index} = ${index};`);
  it.each([
    ['small', [file('src/a.ts', lines(10))], {}, false],
    ['too many lines', [file('src/a.ts', lines(1_501))], {}, true],
    ['too many files', Array.from({ length: 41 }, (_, index) => file(`src/f${index}.ts`, ['x'])), {}, true],
    ['a tighter limit', [file('src/a.ts', lines(20))], { largeDiffLines: 10 }, true],
  ])('%s', (_name, files, limits, expected) => {
    const large = findSoftSignals(files, { limits }).filter((signal) => signal.kind === 'large_diff');
    expect(large.length).toBe(expected ? 1 : 0);
    if (expected) expect(large[0]).toMatchObject({ severity: 'warning', file: '' });
  });
});

describe('far from the task', () => {
  const task = 'Fix the mean of an empty list in the stats module';
  const touched = (...paths: string[]) => paths.map((path) => file(path, ['x']));
  it.each([
    ['one area', touched('src/stats.js', 'src/util.js'), []],
    [
      'tests and docs travel with the change',
      touched('src/stats.js', 'src/util.js', 'test/stats.test.js', 'docs/stats.md'),
      [],
    ],
    [
      'an unrelated top-level directory',
      touched('src/stats.js', 'src/util.js', 'infra/deploy.yml'),
      ['infra/deploy.yml'],
    ],
    ['a directory whose files the task names', touched('src/a.js', 'src/b.js', 'lib/stats/index.js'), []],
    ['root files are never far', touched('src/stats.js', 'src/util.js', 'README.md'), []],
  ])('%s', (_name, files, expected) => {
    const far = findSoftSignals(files, { task }).filter((signal) => signal.kind === 'far_from_task');
    expect(far.map((signal) => signal.file)).toEqual(expected);
    for (const signal of far) expect(signal.evidence).toContain('most of the change is in src/');
  });

  it('is not judged without a task', () => {
    const files = touched('src/stats.js', 'src/util.js', 'infra/deploy.yml');
    expect(findSoftSignals(files).some((signal) => signal.kind === 'far_from_task')).toBe(false);
  });
});
