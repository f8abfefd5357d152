import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBadInput } from './errors.ts';
import { type PatchedFile, patchFiles, recountHunks } from './patch-files.ts';

function files(tree: Record<string, string>) {
  return async (path: string) => tree[path] ?? null;
}

async function failure(promise: Promise<unknown>): Promise<Error & { details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected the patch not to apply');
}

const lines = (count: number, prefix = 'line') =>
  `${Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}`).join('\n')}\n`;

describe('patchFiles', () => {
  it('changes, creates, deletes and renames files of one git diff, in the order it names them', async () => {
    const patch = [
      'diff --git a/src/a.ts b/src/a.ts',
      'index 111..222 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -1,3 +1,3 @@',
      ' one',
      '-two',
      '+TWO',
      ' three',
      'diff --git a/src/new.ts b/src/new.ts',
      'new file mode 100755',
      '--- /dev/null',
      '+++ b/src/new.ts',
      '@@ -0,0 +1,2 @@',
      '+#!/bin/sh',
      '+echo hi',
      'diff --git a/old.txt b/old.txt',
      'deleted file mode 100644',
      '--- a/old.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-gone',
      'diff --git a/docs/x.md b/docs/y.md',
      'similarity index 100%',
      'rename from docs/x.md',
      'rename to docs/y.md',
      '',
    ].join('\n');
    const result = await patchFiles(
      patch,
      files({ 'src/a.ts': 'one\ntwo\nthree\n', 'old.txt': 'gone\n', 'docs/x.md': '# x\n' }),
    );
    expect(result).toEqual<PatchedFile[]>([
      { kind: 'write', path: 'src/a.ts', content: 'one\nTWO\nthree\n', executable: null, created: false },
      { kind: 'write', path: 'src/new.ts', content: '#!/bin/sh\necho hi\n', executable: true, created: true },
      { kind: 'delete', path: 'old.txt' },
      { kind: 'write', path: 'docs/y.md', content: '# x\n', executable: null, created: true },
      { kind: 'delete', path: 'docs/x.md' },
    ]);
  });

  it('lets a later section see what an earlier one did to the same file', async () => {
    const patch = [
      '--- a/f',
      '+++ b/f',
      '@@ -1,2 +1,2 @@',
      '-a',
      '+b',
      ' c',
      '--- a/f',
      '+++ b/f',
      '@@ -1,2 +1,2 @@',
      '-b',
      '+d',
      ' c',
      '',
    ].join('\n');
    const result = await patchFiles(patch, files({ f: 'a\nc\n' }));
    expect(result.at(-1)).toMatchObject({ kind: 'write', path: 'f', content: 'd\nc\n' });
  });

  it('names the file and the hunk that does not apply, with the expected lines beside the closest ones', async () => {
    const source = lines(20);
    const patch = [
      '--- a/src/x.ts',
      '+++ b/src/x.ts',
      '@@ -2,2 +2,2 @@',
      ' line 2',
      '-line 3',
      '+LINE 3',
      '@@ -10,3 +10,3 @@',
      ' line 10',
      '-line  11',
      '+changed',
      ' line 12',
      '',
    ].join('\n');
    const error = await failure(patchFiles(patch, files({ 'src/x.ts': source })));
    expect(isBadInput(error, 'patch_does_not_apply')).toBe(true);
    expect(error.details).toEqual({ file: 'src/x.ts', hunk: 2 });
    expect(error.message).toContain(
      "the patch does not apply to src/x.ts: hunk 2 of 2 (@@ -10,3 +10,3 @@) does not match the file's lines.",
    );
    expect(error.message).toContain(
      [
        'The hunk expects these lines (its context and removed lines), from line 10:',
        '  10 | line 10',
        '  11 | line  11',
        '  12 | line 12',
        'The closest lines in src/x.ts are at line 10 (≠ marks a line that differs, ~ one that differs only in whitespace):',
        '  10 | line 10',
        '~ 11 | line 11',
        '  12 | line 12',
      ].join('\n'),
    );
  });

  it('finds the closest lines away from where the header says, and says when nothing matches', async () => {
    const source = `${lines(30)}alpha\nbeta\ngamma\n`;
    const near = ['--- a/f', '+++ b/f', '@@ -3,3 +3,3 @@', ' alpha', '-beta', '+BETA', ' delta', ''].join(
      '\n',
    );
    const error = await failure(patchFiles(near, files({ f: source })));
    expect(error.message).toContain('The closest lines in f are at line 31');
    expect(error.message).toContain('≠ 33 | gamma');

    const none = ['--- a/f', '+++ b/f', '@@ -1,1 +1,1 @@', '-nowhere', '+here', ''].join('\n');
    const missing = await failure(patchFiles(none, files({ f: source })));
    expect(missing.message).toContain('None of them is in f as written; it has at line 1');
  });

  it('says when the hunks are out of the file’s order', async () => {
    const patch = [
      '--- a/f',
      '+++ b/f',
      '@@ -8,1 +8,1 @@',
      '-line 8',
      '+eight',
      '@@ -2,1 +2,1 @@',
      '-line 2',
      '+two',
      '',
    ].join('\n');
    const error = await failure(patchFiles(patch, files({ f: lines(10) })));
    expect(error.message).toContain(
      'f has all of them at line 2, but the hunk before this one ends at line 8',
    );
  });

  it.each([
    [
      'a missing file',
      ['--- a/nope', '+++ b/nope', '@@ -1 +1 @@', '-a', '+b'],
      'there is no such file to change',
    ],
    [
      'a creation over a file',
      ['--- /dev/null', '+++ b/f', '@@ -0,0 +1 @@', '+new'],
      'a file is already there',
    ],
    [
      'a path out of the tree',
      ['--- a/../etc/passwd', '+++ b/../etc/passwd', '@@ -1 +1 @@', '-a', '+b'],
      'outside',
    ],
    ['a path into .git', ['--- a/.git/config', '+++ b/.git/config', '@@ -1 +1 @@', '-a', '+b'], 'outside'],
    ['an absolute path', ['--- /etc/passwd', '+++ /etc/passwd', '@@ -1 +1 @@', '-a', '+b'], 'outside'],
  ])('refuses %s', async (_name, patch, why) => {
    const error = await failure(patchFiles(`${patch.join('\n')}\n`, files({ f: 'old\n' })));
    expect(isBadInput(error, 'patch_does_not_apply')).toBe(true);
    expect(error.message).toContain(why);
  });

  it('replaces a file at a created path when told to (hidden tests over a file the change added)', async () => {
    const patch = ['--- /dev/null', '+++ b/f', '@@ -0,0 +1 @@', '+new', ''].join('\n');
    const written = await patchFiles(patch, files({ f: 'the change put this here\n' }), 'test_patch', {
      replaceExisting: true,
    });
    expect(written).toEqual([
      { kind: 'write', path: 'f', content: 'new\n', executable: null, created: true },
    ]);
  });

  it('refuses binary content and binary changes', async () => {
    const patch = ['--- a/f', '+++ b/f', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
    const error = await failure(patchFiles(patch, async () => Buffer.from([0x61, 0, 0x62])));
    expect(error.message).toContain('the file is binary');
    const binary = ['diff --git a/i.png b/i.png', 'GIT binary patch', 'literal 1', 'zcmV', ''].join('\n');
    expect((await failure(patchFiles(binary, files({})))).message).toContain('binary change');
  });

  it('takes absolute paths under the given root', async () => {
    const patch = ['--- /workspace/f', '+++ /workspace/f', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
    const result = await patchFiles(patch, files({ f: 'a\n' }), 'the patch', { root: '/workspace' });
    expect(result).toEqual([{ kind: 'write', path: 'f', content: 'b\n', executable: null, created: false }]);
  });

  it('with lenient headers applies hunks whose counts are wrong or missing; strictly it refuses them', async () => {
    const patch = [
      '--- a/f',
      '+++ b/f',
      '@@ -1,7 +1,9 @@ heading',
      ' line 1',
      '-line 2',
      '+two',
      '+more',
      '@@',
      ' line 5',
      '',
      ' line 6',
      '-line 7',
      '',
      '--- a/g',
      '+++ b/g',
      '@@ -1 +1 @@',
      '-g',
      '+G',
      '',
    ].join('\n');
    const tree = files({ f: 'line 1\nline 2\nline 3\nline 4\nline 5\n\nline 6\nline 7\n', g: 'g\n' });
    const result = await patchFiles(patch, tree, 'the patch', { lenientHeaders: true });
    expect(result).toEqual([
      {
        kind: 'write',
        path: 'f',
        content: 'line 1\ntwo\nmore\nline 3\nline 4\nline 5\n\nline 6\n',
        executable: null,
        created: false,
      },
      { kind: 'write', path: 'g', content: 'G\n', executable: null, created: false },
    ]);
    const strict = await failure(patchFiles(patch, tree));
    expect(strict.message).toContain('is not a unified diff');
  });
});

describe('recountHunks', () => {
  it('leaves a correct diff as it is', () => {
    const patch = ['--- a/f', '+++ b/f', '@@ -3,2 +3,3 @@ fn', ' a', '-b', '+c', '+d', ''].join('\n');
    expect(recountHunks(patch)).toBe(patch.replace('@@ -3,2 +3,3 @@', '@@ -3,2 +3,3 @@'));
    expect(recountHunks(patch)).toBe(patch);
  });
});

describe('patchFiles against git', () => {
  it('turns what git diff says into the files git has, newline ends and CRLF included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patch-files-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'core.autocrlf=false', ...args], { cwd: dir, encoding: 'utf8' });
    const before: Record<string, string> = {
      'a.txt': 'one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n',
      'no-eol.txt': 'first\nlast',
      'gets-eol.txt': 'first\nlast',
      'loses-eol.txt': 'first\nlast\n',
      'crlf.txt': 'a\r\nb\r\nc\r\n',
      'gone.txt': 'bye\n',
      'moved.txt': 'one\ntwo\nthree\nfour\nfive\n',
    };
    const after: Record<string, string | null> = {
      'a.txt': 'zero\none\ntwo\nTHREE\nfour\nfive\nsix\nseven\neight\nnine\n10\n',
      'no-eol.txt': 'first\nchanged',
      'gets-eol.txt': 'first\nlast\n',
      'loses-eol.txt': 'first\nlast',
      'crlf.txt': 'a\r\nB\r\nc\r\n',
      'gone.txt': null,
      'moved.txt': null,
      'sub/moved.txt': 'one\ntwo\nthree\nfour\nfive!\n',
      'created.txt': 'new\n',
    };
    try {
      git('init', '-q');
      for (const [path, content] of Object.entries(before)) writeFileSync(join(dir, path), content);
      git('add', '-A');
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'base');
      mkdirSync(join(dir, 'sub'));
      for (const [path, content] of Object.entries(after)) {
        if (content === null) rmSync(join(dir, path));
        else writeFileSync(join(dir, path), content);
      }
      git('add', '-A');
      const diff = git('diff', '--cached', '-M');
      const result = await patchFiles(diff, files(before));
      const tree: Record<string, string | null> = {};
      for (const file of result) tree[file.path] = file.kind === 'delete' ? null : file.content;
      expect(tree).toEqual(after);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses hunks that overlap instead of writing what neither meant', async () => {
    const patch = [
      '--- a/f',
      '+++ b/f',
      '@@ -2,2 +2,2 @@',
      ' line 2',
      '-line 3',
      '+three',
      '@@ -3,1 +3,1 @@',
      '-line 3',
      '+THREE',
      '',
    ].join('\n');
    const error = await failure(patchFiles(patch, files({ f: lines(5) })));
    expect(error.message).toContain('hunk 2 of 2');
    expect(error.message).toContain(
      'f has all of them at line 3, but the hunk before this one ends at line 3',
    );
  });
});
