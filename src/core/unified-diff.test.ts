import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { displayPath, parseUnifiedDiff } from './unified-diff.ts';

// `git diff --cached` of a real change: rename, binary, added, modified, deleted, odd file names.
const sample = readFileSync(new URL('../verify/fixtures/sample.diff', import.meta.url), 'utf8');

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
        hunks: [
          {
            header: '@@ -1 +1 @@',
            lines: [
              { kind: 'del', text: 'one', oldLine: 1, newLine: null },
              { kind: 'note', text: '\\ No newline at end of file', oldLine: null, newLine: null },
              { kind: 'add', text: 'uno', oldLine: null, newLine: 1 },
              { kind: 'note', text: '\\ No newline at end of file', oldLine: null, newLine: null },
            ],
          },
        ],
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

describe('parseUnifiedDiff on diffs git writes now', () => {
  const repo = mkdtempSync(join(tmpdir(), 'drydock-diff-'));
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'core.quotePath=true', ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: repo, GIT_CONFIG_NOSYSTEM: '1' },
    });
  const write = (path: string, content: string | Uint8Array) => writeFileSync(join(repo, path), content);
  const lines = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`).join('\n');

  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'test');
  write('moved.txt', `${lines(20, 'moved')}\n`);
  write('tail.txt', 'one\ntwo');
  write('image.bin', new Uint8Array([0, 1, 2, 3, 0, 255]));
  write('gone.txt', 'bye\n');
  write('script.sh', 'echo hi\n');
  write('long.txt', `${lines(40, 'line')}\n`);
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  renameSync(join(repo, 'moved.txt'), join(repo, 'renamed é.txt'));
  write('renamed é.txt', `${lines(20, 'moved').replace('moved 10', 'moved ten')}\n`);
  write('tail.txt', 'one\n2');
  write('image.bin', new Uint8Array([0, 1, 2, 3, 0, 254, 9]));
  unlinkSync(join(repo, 'gone.txt'));
  chmodSync(join(repo, 'script.sh'), 0o755);
  write(
    'long.txt',
    `${lines(40, 'line').replace('line 3\n', 'line three\n').replace('line 35', '--- line 35')}\n`,
  );
  write('new file.md', '# new\n');
  git('add', '-A');
  const diff = git('diff', '--cached', '-M', 'HEAD');
  const files = parseUnifiedDiff(diff);
  const byPath = new Map(files.map((file) => [file.path, file]));

  it('names every file and its change, unquoting and unprefixing paths', () => {
    expect(files.map((f) => [f.path, f.oldPath, f.newPath, f.change, f.binary]).sort()).toEqual([
      ['gone.txt', 'gone.txt', null, 'deleted', false],
      ['image.bin', 'image.bin', 'image.bin', 'modified', true],
      ['long.txt', 'long.txt', 'long.txt', 'modified', false],
      ['new file.md', null, 'new file.md', 'added', false],
      ['renamed é.txt', 'moved.txt', 'renamed é.txt', 'renamed', false],
      ['script.sh', 'script.sh', 'script.sh', 'modified', false],
      ['tail.txt', 'tail.txt', 'tail.txt', 'modified', false],
    ]);
    expect(displayPath(byPath.get('renamed é.txt')!)).toBe('moved.txt → renamed é.txt');
    expect(displayPath(byPath.get('gone.txt')!)).toBe('gone.txt');
  });

  it('numbers lines on both sides, across hunks, with the hunk headers as written', () => {
    const long = byPath.get('long.txt');
    expect(long?.hunks.map((hunk) => hunk.header)).toEqual(['@@ -1,6 +1,6 @@', '@@ -32,7 +32,7 @@ line 31']);
    expect(long?.removed).toEqual([
      { line: 3, text: 'line 3' },
      { line: 35, text: 'line 35' },
    ]);
    expect(long?.added).toEqual([
      { line: 3, text: 'line three' },
      { line: 35, text: '--- line 35' },
    ]);
    expect(long?.hunks[1]?.lines.slice(2, 5)).toEqual([
      { kind: 'context', text: 'line 34', oldLine: 34, newLine: 34 },
      { kind: 'del', text: 'line 35', oldLine: 35, newLine: null },
      { kind: 'add', text: '--- line 35', oldLine: null, newLine: 35 },
    ]);
    expect(byPath.get('renamed é.txt')?.added).toEqual([{ line: 10, text: 'moved ten' }]);
  });

  it('keeps "no newline at end of file" as a note after the line it is about', () => {
    expect(byPath.get('tail.txt')?.hunks[0]?.lines.map((line) => [line.kind, line.text])).toEqual([
      ['context', 'one'],
      ['del', 'two'],
      ['note', '\\ No newline at end of file'],
      ['add', '2'],
      ['note', '\\ No newline at end of file'],
    ]);
  });

  it('reads a binary patch (git diff --binary) as binary, without hunks', () => {
    const [image] = parseUnifiedDiff(git('diff', '--cached', '--binary', 'HEAD', '--', 'image.bin'));
    expect(image).toMatchObject({ path: 'image.bin', binary: true, hunks: [], added: [] });
  });

  it('keeps the files that parse when one is cut short', () => {
    const cut = diff.replace(/(\n-line 3\n)/, '$1GARBAGE\n');
    const paths = parseUnifiedDiff(cut).map((file) => file.path);
    expect(paths).not.toContain('long.txt');
    expect(paths).toContain('tail.txt');
    expect(paths).toHaveLength(6);
  });
});
