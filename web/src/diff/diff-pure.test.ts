import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../../src/core/unified-diff.ts';
import { buildFileTree, type TreeNode } from './file-tree.ts';
import { highlightLine, languageOf, loadLanguage } from './highlight.ts';
import { commentsMessage } from './line-comments.ts';
import { splitRows } from './split-rows.ts';

const file = (path: string, added: number, removed: number) =>
  [
    `diff --git a/${path} b/${path}`,
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -1,${removed} +1,${added} @@`,
    ...Array.from({ length: removed }, (_, i) => `-old ${i}`),
    ...Array.from({ length: added }, (_, i) => `+new ${i}`),
  ].join('\n');

const shape = (nodes: TreeNode[]): unknown =>
  nodes.map((n) =>
    n.kind === 'dir'
      ? [n.name, n.added, n.removed, shape(n.children)]
      : `${n.name} +${n.added} -${n.removed}`,
  );

describe('buildFileTree', () => {
  it('nests files under directories with summed counts, directories first, lone chains folded', () => {
    const files = parseUnifiedDiff(
      [
        file('src/core/b.ts', 2, 1),
        file('README.md', 1, 0),
        file('src/core/a.ts', 1, 1),
        file('src/x.ts', 0, 3),
      ].join('\n'),
    );
    expect(shape(buildFileTree(files))).toEqual([
      ['src', 3, 5, [['core', 3, 2, ['a.ts +1 -1', 'b.ts +2 -1']], 'x.ts +0 -3']],
      'README.md +1 -0',
    ]);
    expect(shape(buildFileTree(parseUnifiedDiff(file('a/b/c/d.ts', 1, 0))))).toEqual([
      ['a/b/c', 1, 0, ['d.ts +1 -0']],
    ]);
  });
});

describe('splitRows', () => {
  const line = (kind: 'add' | 'del' | 'context', n: number) => ({
    kind,
    text: `${kind}${n}`,
    oldLine: kind === 'add' ? null : n,
    newLine: kind === 'del' ? null : n,
  });
  it('pairs a run of removed lines with the added run after it, and keeps context on both sides', () => {
    const rows = splitRows([
      line('context', 1),
      line('del', 2),
      line('del', 3),
      line('add', 2),
      line('context', 4),
      line('add', 5),
    ]);
    expect(rows.map((r) => [r.left?.text ?? null, r.right?.text ?? null])).toEqual([
      ['context1', 'context1'],
      ['del2', 'add2'],
      ['del3', null],
      ['context4', 'context4'],
      [null, 'add5'],
    ]);
  });
});

describe('commentsMessage', () => {
  it('quotes each file:line and its line, in file and line order, removed lines marked', () => {
    expect(
      commentsMessage([
        { path: 'src/b.ts', line: 3, side: 'new', text: 'return x;', comment: ' Why x? ' },
        { path: 'src/a.ts', line: 9, side: 'old', text: 'check()', comment: 'Keep this check.' },
      ]),
    ).toBe(
      'Comments on the diff:\n\nsrc/a.ts:9 (removed line)\n> check()\nKeep this check.\n\nsrc/b.ts:3\n> return x;\nWhy x?',
    );
  });
});

describe('highlighting', () => {
  it('knows languages by extension and escapes what it highlights', async () => {
    expect(languageOf('src/stats.js')).toBe('javascript');
    expect(languageOf('web/a.TSX')).toBe('typescript');
    expect(languageOf('Makefile')).toBeNull();
    expect(highlightLine('const a = 1;', 'javascript')).toBeNull();
    expect(await loadLanguage('javascript')).toBe(true);
    const html = highlightLine('const a = "<b>";', 'javascript') ?? '';
    expect(html).toContain('<span class="hljs-keyword">const</span>');
    expect(html).toContain('&lt;b&gt;');
    expect(await loadLanguage('cobol')).toBe(false);
  });
});
