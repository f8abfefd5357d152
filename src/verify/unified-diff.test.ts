import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from './unified-diff.ts';

// `git diff --cached` of a real change: rename, binary, added, modified, deleted, odd file names.
const sample = readFileSync(new URL('fixtures/sample.diff', import.meta.url), 'utf8');

describe('parseUnifiedDiff on a real git diff', () => {
  const files = parseUnifiedDiff(sample);
  const file = (path: string) => files.find((f) => f.path === path);

  it('lists every file with its change', () => {
    expect(files.map((f) => [f.path, f.change, f.binary])).toEqual([
      ['docs/new-name.md', 'renamed', false],
      ['src/café.txt', 'added', false],
      ['src/logo.png', 'added', true],
      ['src/new.js', 'added', false],
      ['src/stats.js', 'modified', false],
      ['src/with space.txt', 'modified', false],
      ['test/gone.test.js', 'deleted', false],
      ['test/stats.test.js', 'modified', false],
    ]);
    expect(file('docs/new-name.md')).toMatchObject({
      oldPath: 'docs/old-name.md',
      newPath: 'docs/new-name.md',
    });
    expect(file('test/gone.test.js')).toMatchObject({ oldPath: 'test/gone.test.js', newPath: null });
    expect(file('src/new.js')).toMatchObject({ oldPath: null, newPath: 'src/new.js' });
  });

  it('numbers added lines in the new file and removed lines in the old one', () => {
    expect(file('test/stats.test.js')?.added).toEqual([{ line: 3, text: "test.skip('mean', () => {" }]);
    expect(file('test/stats.test.js')?.removed).toEqual([
      { line: 3, text: "test('mean', () => {" },
      { line: 8, text: '  expect(mean([])).toBe(0);' },
    ]);
  });

  it('takes an added line reading "--- x" for content, not a header', () => {
    expect(file('src/stats.js')?.added.map((line) => line.text)).toEqual([
      '  xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;',
      '--- not a header',
    ]);
    expect(files).toHaveLength(8);
  });
});

describe('parseUnifiedDiff edge cases', () => {
  it('reads a plain diff -u without git headers, hunks without counts and "no newline" markers', () => {
    const text = [
      '--- old/a.txt\t2024-01-01 00:00:00',
      '+++ new/a.txt\t2024-01-02 00:00:00',
      '@@ -1 +1 @@',
      '-one',
      '\\ No newline at end of file',
      '+uno',
      '\\ No newline at end of file',
      '',
    ].join('\n');
    expect(parseUnifiedDiff(text)).toEqual([
      {
        path: 'new/a.txt',
        oldPath: 'old/a.txt',
        newPath: 'new/a.txt',
        change: 'renamed',
        binary: false,
        added: [{ line: 1, text: 'uno' }],
        removed: [{ line: 1, text: 'one' }],
      },
    ]);
  });

  it('reads several hunks, CRLF and a pure rename with no content', () => {
    const text = [
      'diff --git a/x.ts b/x.ts',
      '--- a/x.ts',
      '+++ b/x.ts',
      '@@ -1,2 +1,2 @@',
      ' keep',
      '-old',
      '+new',
      '@@ -10,1 +10,2 @@',
      ' ten',
      '+eleven',
      'diff --git a/p q.md b/r s.md',
      'similarity index 100%',
      'rename from p q.md',
      'rename to r s.md',
    ].join('\r\n');
    const [x, renamed] = parseUnifiedDiff(text);
    expect(x?.added).toEqual([
      { line: 2, text: 'new' },
      { line: 11, text: 'eleven' },
    ]);
    expect(renamed).toMatchObject({ path: 'r s.md', oldPath: 'p q.md', change: 'renamed', added: [] });
  });

  it('returns nothing for text that is not a diff', () => {
    expect(parseUnifiedDiff('')).toEqual([]);
    expect(parseUnifiedDiff('hello\nworld\n')).toEqual([]);
  });
});
