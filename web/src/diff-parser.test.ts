import { describe, expect, it } from 'vitest';
import { displayPath, parseDiff } from './diff-parser.ts';

const MODIFIED = `diff --git a/src/stats.js b/src/stats.js
index 3b18e51..a1c2d3e 100644
--- a/src/stats.js
+++ b/src/stats.js
@@ -2,5 +2,5 @@
 export function mean(numbers) {
   if (numbers.length === 0) return 0;
   let total = 0;
-  for (let i = 1; i < numbers.length; i++) total += numbers[i];
+  for (let i = 0; i < numbers.length; i++) total += numbers[i];
   return total / numbers.length;
`;

describe('parseDiff', () => {
  it('splits a modified file into a hunk with line numbers on both sides', () => {
    const [file, ...rest] = parseDiff(MODIFIED);
    expect(rest).toEqual([]);
    expect(file).toMatchObject({
      oldPath: 'src/stats.js',
      newPath: 'src/stats.js',
      status: 'modified',
      additions: 1,
      deletions: 1,
    });
    const lines = file?.hunks[0]?.lines ?? [];
    expect(lines.map((l) => l.kind)).toEqual(['context', 'context', 'context', 'del', 'add', 'context']);
    expect(lines[3]).toMatchObject({
      oldLine: 5,
      newLine: null,
      text: '  for (let i = 1; i < numbers.length; i++) total += numbers[i];',
    });
    expect(lines[4]).toMatchObject({ oldLine: null, newLine: 5 });
    expect(lines[5]).toMatchObject({ oldLine: 6, newLine: 6 });
    expect(file?.hunks[0]?.header).toBe('@@ -2,5 +2,5 @@');
  });

  it('recognises added, deleted, renamed and binary files', () => {
    const diff = `diff --git a/new.txt b/new.txt
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/new.txt
@@ -0,0 +1,2 @@
+hello
+world
diff --git a/old.txt b/old.txt
deleted file mode 100644
index e69de29..0000000
--- a/old.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
diff --git a/a.js b/b.js
similarity index 90%
rename from a.js
rename to b.js
diff --git a/logo.png b/logo.png
index 1234567..89abcde 100644
Binary files a/logo.png and b/logo.png differ
`;
    const files = parseDiff(diff);
    expect(files.map((f) => [f.status, f.oldPath, f.newPath, f.additions, f.deletions, f.binary])).toEqual([
      ['added', null, 'new.txt', 2, 0, false],
      ['deleted', 'old.txt', null, 0, 1, false],
      ['renamed', 'a.js', 'b.js', 0, 0, false],
      ['modified', 'logo.png', 'logo.png', 0, 0, true],
    ]);
    expect(files.map(displayPath)).toEqual(['new.txt', 'old.txt', 'a.js → b.js', 'logo.png']);
  });

  it('reads hunk bodies by count, so a removed "-- comment" line is not a file header', () => {
    const diff = `diff --git a/q.sql b/q.sql
--- a/q.sql
+++ b/q.sql
@@ -1,2 +1,2 @@
--- old comment
+-- new comment
 select 1;
`;
    const [file] = parseDiff(diff);
    expect(parseDiff(diff)).toHaveLength(1);
    expect(file?.hunks[0]?.lines.map((l) => [l.kind, l.text])).toEqual([
      ['del', '-- old comment'],
      ['add', '-- new comment'],
      ['context', 'select 1;'],
    ]);
  });

  it('keeps "No newline at end of file" as a note and handles several hunks', () => {
    const diff = `diff --git a/x b/x
--- a/x
+++ b/x
@@ -1 +1 @@
-a
\\ No newline at end of file
+b
\\ No newline at end of file
@@ -10,2 +10,3 @@ function f() {
 c
+d
 e
`;
    const [file] = parseDiff(diff);
    expect(file?.hunks).toHaveLength(2);
    expect(file?.hunks[0]?.lines.map((l) => l.kind)).toEqual(['del', 'note', 'add', 'note']);
    expect(file?.hunks[1]?.lines.map((l) => [l.kind, l.oldLine, l.newLine])).toEqual([
      ['context', 10, 10],
      ['add', null, 11],
      ['context', 11, 12],
    ]);
  });

  it('parses a plain unified diff without git headers, and ignores text that is not a diff', () => {
    const files = parseDiff('--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+y\n');
    expect(files.map((f) => [f.oldPath, f.newPath, f.additions, f.deletions])).toEqual([['f', 'f', 1, 1]]);
    expect(parseDiff('')).toEqual([]);
    expect(parseDiff('not a diff at all\n')).toEqual([]);
  });
});
