import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countByFile, type Diagnostic, diffDiagnostics, parseDiagnostics, samePath } from './diagnostics.ts';

// Real output of tsc 5.9 and 7.0, eslint 9 and biome 2.6 on one small project (see fixtures/README.md).
const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

const TSC_COUNTS = { 'src/a.ts': 3, 'src/b.ts': 2 };
const ESLINT_COUNTS = { '/tmp/vfx/lint/lib/a.js': 3, '/tmp/vfx/lint/lib/b.js': 3 };

describe('parseDiagnostics on real tool output', () => {
  it.each([
    ['tsc5.txt', TSC_COUNTS],
    ['tsc5-pretty.txt', TSC_COUNTS],
    ['tsc7.txt', TSC_COUNTS],
    ['tsc7-pretty.txt', TSC_COUNTS],
    ['eslint-stylish.txt', ESLINT_COUNTS],
    ['eslint-unix.txt', ESLINT_COUNTS],
    ['biome-check.txt', { 'src/a.ts': 4, 'lib/a.js': 3, 'lib/b.js': 2, 'src/b.ts': 4 }],
  ])('%s', (name, counts) => {
    expect(countByFile(parseDiagnostics(fixture(name)))).toEqual(counts);
  });

  it('keeps position, severity, rule and message', () => {
    expect(parseDiagnostics(fixture('tsc7.txt'))[1]).toEqual({
      file: 'src/a.ts',
      line: 3,
      column: 3,
      severity: 'error',
      rule: 'TS2322',
      message: "Type 'string' is not assignable to type 'number'.",
    });
    expect(parseDiagnostics(fixture('eslint-stylish.txt'))[1]).toEqual({
      file: '/tmp/vfx/lint/lib/a.js',
      line: 5,
      column: 1,
      severity: 'warning',
      rule: 'no-console',
      message: 'Unexpected console statement',
    });
  });

  it('reads biome severities from the line under each header, and file-level format findings', () => {
    const biome = parseDiagnostics(fixture('biome-check.txt'));
    const bySeverity = (severity: string) => biome.filter((d) => d.severity === severity).length;
    // biome itself reports "Found 7 errors. Found 5 warnings. Found 1 info."
    expect([bySeverity('error'), bySeverity('warning'), bySeverity('info')]).toEqual([7, 5, 1]);
    expect(biome.find((d) => d.rule === 'format' && d.file === 'lib/a.js')).toEqual({
      file: 'lib/a.js',
      severity: 'error',
      rule: 'format',
      message: 'Formatter would have printed the following content:',
    });
  });

  it('reads GitHub annotations (biome --reporter=github)', () => {
    const annotations = parseDiagnostics(fixture('biome-github.txt')).filter((d) => d.file.endsWith('b.ts'));
    expect(annotations.map((d) => [d.line, d.severity, d.rule])).toEqual([
      [3, 'warning', 'lint/correctness/noUnusedVariables'],
      [4, 'error', 'lint/suspicious/noDebugger'],
    ]);
  });

  it.each([
    [
      'go vet',
      'pkg/x.go:5:33: undefined: thing',
      { line: 5, column: 33, severity: 'error', message: 'undefined: thing' },
    ],
    [
      'gcc',
      'main.c:3:1: warning: unused variable',
      { line: 3, column: 1, severity: 'warning', message: 'unused variable' },
    ],
    [
      'mypy (no column)',
      'app/m.py:12: error: Incompatible types',
      { line: 12, severity: 'error', message: 'Incompatible types' },
    ],
    [
      'ruff',
      './app/m.py:1:8: F401 `os` imported but unused',
      { line: 1, column: 8, severity: 'error', message: 'F401 `os` imported but unused' },
    ],
  ])('generic form: %s', (_name, line, expected) => {
    const [diagnostic] = parseDiagnostics(line);
    expect(diagnostic).toMatchObject(expected);
    expect(diagnostic?.file).toMatch(/^(pkg|app)\/|^main\.c$/);
  });

  it('ignores stack traces, code frames, summaries and URLs', () => {
    const noise = [
      '    at Object.<anonymous> (src/a.ts:3:9)',
      '  > 3 │   return a + b;',
      'Found 5 errors in 2 files.',
      '     3  src/a.ts:2',
      'see https://example.com:443/docs for details',
      '✖ 6 problems (5 errors, 1 warning)',
    ].join('\n');
    expect(parseDiagnostics(noise)).toEqual([]);
  });
});

describe('diffDiagnostics', () => {
  const at = (file: string, line: number, message: string, rule = 'r'): Diagnostic => ({
    file,
    line,
    severity: 'error',
    rule,
    message,
  });

  it.each([
    [
      'a finding that only moved is not new',
      [at('src/a.ts', 3, 'm')],
      [at('src/a.ts', 9, 'm')],
      ['src/a.ts'],
      [],
    ],
    ['a new finding in a touched file', [], [at('src/a.ts', 1, 'm')], ['src/a.ts'], [at('src/a.ts', 1, 'm')]],
    [
      'a new finding in an untouched file is not the change’s',
      [],
      [at('src/b.ts', 1, 'm')],
      ['src/a.ts'],
      [],
    ],
    [
      'counts: two before, three after is one new',
      [at('a.ts', 1, 'm'), at('a.ts', 2, 'm')],
      [at('a.ts', 1, 'm'), at('a.ts', 2, 'm'), at('a.ts', 3, 'm')],
      ['a.ts'],
      [at('a.ts', 3, 'm')],
    ],
    [
      'same message, other rule',
      [at('a.ts', 1, 'm', 'x')],
      [at('a.ts', 1, 'm', 'y')],
      ['a.ts'],
      [at('a.ts', 1, 'm', 'y')],
    ],
    [
      'absolute paths (eslint) match repository-relative touched files',
      [],
      [at('/workspace/lib/a.js', 2, 'm')],
      ['./lib/a.js'],
      [at('/workspace/lib/a.js', 2, 'm')],
    ],
  ])('%s', (_name, before, after, touched, expected) => {
    expect(diffDiagnostics(before, after, touched)).toEqual(expected);
  });

  it('finds what a real change added', () => {
    const before = parseDiagnostics(fixture('tsc5.txt')).filter((d) => d.rule !== 'TS2554');
    const after = parseDiagnostics(fixture('tsc7.txt'));
    expect(diffDiagnostics(before, after, ['src/b.ts']).map((d) => d.rule)).toEqual(['TS2554']);
    expect(diffDiagnostics(before, after, ['src/a.ts'])).toEqual([]);
  });
});

describe('samePath', () => {
  it.each([
    ['src/a.ts', 'src/a.ts', true],
    ['/workspace/src/a.ts', 'src/a.ts', true],
    ['src\\a.ts', 'src/a.ts', true],
    ['/workspace/src/a.ts', 'a.ts', true],
    ['src/a.ts', 'lib/src/a.ts', false],
    ['/workspace/xsrc/a.ts', 'src/a.ts', false],
  ])('%s ~ %s: %s', (file, relative, expected) => {
    expect(samePath(file, relative)).toBe(expected);
  });
});
