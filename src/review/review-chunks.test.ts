import { describe, expect, it } from 'vitest';
import { chunkDiff, splitDiffByFile } from './review-chunks.ts';

function fileDiff(path: string, lines: number, deleted = false): string {
  const body = Array.from({ length: lines }, (_, i) => `${deleted ? '-' : '+'}line ${i}`).join('\n');
  return [
    `diff --git a/${path} b/${path}`,
    deleted ? 'deleted file mode 100644' : 'new file mode 100644',
    deleted ? `--- a/${path}` : '--- /dev/null',
    deleted ? '+++ /dev/null' : `+++ b/${path}`,
    `@@ -0,0 +1,${lines} @@`,
    body,
    '',
  ].join('\n');
}

describe('reviewing a large change in parts', () => {
  it('splits a diff by file, naming deleted files by their old path', () => {
    const diff = fileDiff('src/a.ts', 2) + fileDiff('old.txt', 1, true);
    expect(splitDiffByFile(diff).map((file) => file.path)).toEqual(['src/a.ts', 'old.txt']);
    expect(
      splitDiffByFile(diff)
        .map((file) => file.text)
        .join(''),
    ).toBe(diff);
  });

  it('keeps a small change in one chunk, in order', () => {
    const diff = fileDiff('a.ts', 3) + fileDiff('b.ts', 3);
    expect(chunkDiff(diff)).toEqual([{ files: ['a.ts', 'b.ts'], diff }]);
  });

  it('packs files into chunks under the token budget, and cuts a file bigger than the budget alone', () => {
    const small = fileDiff('small.ts', 5); // about 130 characters
    const big = fileDiff('big.ts', 400); // about 4,000 characters
    const chunks = chunkDiff(
      small + small.replaceAll('small', 'other') + big + small.replaceAll('small', 'last'),
      100,
    );
    expect(chunks.map((chunk) => chunk.files)).toEqual([['small.ts', 'other.ts'], ['big.ts'], ['last.ts']]);
    for (const chunk of chunks) expect(chunk.diff.length).toBeLessThanOrEqual(400);
    expect(chunks[1]!.diff).toMatch(/\[… \d+ characters truncated; read the file for the rest …\]/);
  });

  it('has no chunk for an empty diff', () => {
    expect(chunkDiff('')).toEqual([]);
  });
});
