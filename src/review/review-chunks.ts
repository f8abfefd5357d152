import { truncateText } from '../core/truncate.ts';

/**
 * A large change is reviewed in parts (docs/review.md, "Large changes"): its diff split file by file
 * into chunks that each fit the reviewer's token budget, so every file is read with the attention a
 * small change gets; the parts' findings are merged into one review. Pure.
 */

/** Tokens of diff one reviewer reads at once (about 4 characters a token). */
export const REVIEW_CHUNK_TOKENS = 40_000;

const CHARS_PER_TOKEN = 4;

export interface FileDiffText {
  /** The file's path (its new path; the old one for a deletion). */
  path: string;
  /** Its part of the unified diff, from its `diff --git` line. */
  text: string;
}

export interface ReviewChunk {
  files: string[];
  diff: string;
}

/** Tokens a text costs, as drydock estimates them. Pure. */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** A `git diff` output cut into its files, in order. Text before the first file header is dropped. Pure. */
export function splitDiffByFile(diff: string): FileDiffText[] {
  const parts = diff.split(/^(?=diff --git )/m).filter((part) => part.startsWith('diff --git '));
  return parts.map((text) => ({ path: pathOf(text), text }));
}

/** The path a file's diff is about: `+++ b/…`, else `--- a/…` (a deletion), else its header. */
function pathOf(text: string): string {
  const plus = /^\+\+\+ (?:b\/)?(.+)$/m.exec(text)?.[1];
  if (plus && plus !== '/dev/null') return unquote(plus);
  const minus = /^--- (?:a\/)?(.+)$/m.exec(text)?.[1];
  if (minus && minus !== '/dev/null') return unquote(minus);
  const header = /^diff --git a\/(.+?) b\//.exec(text)?.[1];
  return unquote(header ?? 'unknown');
}

function unquote(path: string): string {
  return path.replace(/^"(.*)"$/, '$1').trimEnd();
}

/**
 * Files packed in diff order into chunks of at most `maxTokens` each; a file larger than that alone is
 * a chunk of its own, its diff cut to the budget with drydock's truncation marker (the reviewer can
 * read the file itself). An empty diff is no chunk. Pure.
 */
export function chunkDiff(diff: string, maxTokens = REVIEW_CHUNK_TOKENS): ReviewChunk[] {
  const maxChars = maxTokens * CHARS_PER_TOKEN;
  const chunks: ReviewChunk[] = [];
  let current: ReviewChunk | null = null;
  for (const file of splitDiffByFile(diff)) {
    const text =
      file.text.length > maxChars
        ? `${truncateText(file.text, maxChars - 1, { note: 'read the file for the rest' })}\n`
        : file.text;
    if (current && current.diff.length + text.length <= maxChars) {
      current.files.push(file.path);
      current.diff += text;
      continue;
    }
    current = { files: [file.path], diff: text };
    chunks.push(current);
  }
  return chunks;
}
