import { posix } from 'node:path';
import { parsePatch, type StructuredPatch, type StructuredPatchHunk } from 'diff';
import { BadInputError } from './errors.ts';
import { splitGitSections } from './unified-diff.ts';

/** What applying a patch does to one file: its whole new content, or its removal. */
export type PatchedFile =
  | {
      kind: 'write';
      path: string;
      content: string;
      /** True or false when the patch sets the file's mode (100755 or 100644); null when it does not. */
      executable: boolean | null;
      /** True when the patch creates the file (nothing was at the path before it). */
      created: boolean;
    }
  | { kind: 'delete'; path: string };

/** A file's content before the patch (a Buffer or text), or null when there is no file at the path. */
export type ReadFile = (path: string) => Promise<Buffer | string | null>;

export interface PatchFilesOptions {
  /**
   * Recompute each hunk's line counts from its lines, and accept a bare `@@` header (no line numbers):
   * models write hunks whose header counts are off by a line or two, and the lines themselves are what
   * must match. A diff made by git needs none of this.
   */
  lenientHeaders?: boolean;
  /** An absolute directory the patch's paths may start with (the workspace as the agent sees it). */
  root?: string;
  /**
   * A file the patch creates replaces one already at its path instead of being refused: a dataset's
   * hidden tests take precedence over a file of the same name the graded change added.
   */
  replaceExisting?: boolean;
}

/**
 * The files a unified diff (git's dialect: creations, deletions, renames, copies, modes) changes, each
 * with its whole new content computed from `read` with jsdiff, in the order the patch names them (a
 * rename is the new file, then the old one's removal). Nothing is written: the caller applies the
 * result through whatever it trusts (a sandbox's file API, an agent's tools), and since every content
 * is computed first, a patch that does not apply anywhere changes nothing.
 *
 * Throws `BadInputError` (`patch_does_not_apply`) naming the file, and the hunk when one does not
 * apply (with the lines the hunk expects beside the closest lines the file has): a binary change, a
 * path outside the tree, a file that is missing, is not text or already exists where the patch creates
 * it, a hunk whose lines are not in the file. `what` names the patch in messages ("test_patch"). Pure
 * apart from `read`; browser-safe but for `node:path`'s posix helpers.
 */
export async function patchFiles(
  patch: string,
  read: ReadFile,
  what = 'the patch',
  options: PatchFilesOptions = {},
): Promise<PatchedFile[]> {
  // Earlier files of the patch as this patch left them: a later section sees them, not the original.
  const current = new Map<string, string | null>();
  const readText = async (path: string): Promise<string | null> => {
    if (current.has(path)) return current.get(path) ?? null;
    const content = await read(path);
    if (content === null) return null;
    const text = typeof content === 'string' ? content : decodeText(content);
    if (text === null) throw notApplied(what, path, 'the file is binary, not text');
    return text;
  };
  const text = options.lenientHeaders ? recountHunks(patch) : patch;
  const results: PatchedFile[] = [];
  for (const section of splitGitSections(text)) {
    let parsed: StructuredPatch[];
    try {
      parsed = parsePatch(section);
    } catch (error) {
      throw new BadInputError(
        'patch_does_not_apply',
        `${what} is not a unified diff: ${error instanceof Error ? error.message : String(error)}.`,
        { cause: error },
      );
    }
    const binary = section.split('\n').some((line) => line.trimEnd() === 'GIT binary patch');
    for (const file of parsed) {
      if (file.oldFileName === undefined && file.newFileName === undefined) continue;
      const oldPath = file.isCreate ? null : pathOf(file.oldFileName, what, options.root);
      const newPath = file.isDelete ? null : pathOf(file.newFileName, what, options.root);
      const named = newPath ?? oldPath;
      if (named === null) continue;
      if (binary || file.isBinary) {
        throw notApplied(what, named, 'it is a binary change, which a text diff cannot carry');
      }
      let source = '';
      if (oldPath !== null) {
        const text = await readText(oldPath);
        if (text === null) throw notApplied(what, oldPath, 'there is no such file to change');
        source = text;
      }
      if (
        !options.replaceExisting &&
        newPath !== null &&
        newPath !== oldPath &&
        (await readText(newPath)) !== null
      ) {
        throw notApplied(
          what,
          newPath,
          oldPath === null
            ? 'the patch creates it (--- /dev/null), but a file is already there; change it with hunks against its content instead'
            : `the patch renames or copies ${oldPath} onto it, but a file is already there`,
        );
      }
      const content = file.hunks.length === 0 ? source : applyHunks(source, file, named, what);
      if (newPath === null) {
        current.set(named, null);
        results.push({ kind: 'delete', path: named });
        continue;
      }
      current.set(newPath, content);
      results.push({
        kind: 'write',
        path: newPath,
        content,
        executable: executableOf(file.newMode),
        created: oldPath === null || file.isCopy === true || oldPath !== newPath,
      });
      if (oldPath !== null && oldPath !== newPath && !file.isCopy) {
        current.set(oldPath, null);
        results.push({ kind: 'delete', path: oldPath });
      }
    }
  }
  return results;
}

/**
 * The source with every hunk applied, each where its context and removed lines are in the file exactly
 * (nearest to where its header says, shifted as the hunks before it were), in order and without
 * overlapping. Throws naming the first hunk that does not apply, and why. (jsdiff's `applyPatch` is
 * not used: given hunks out of order or overlapping it returns wrong content instead of failing.)
 */
function applyHunks(source: string, file: StructuredPatch, path: string, what: string): string {
  // Lines keep their own ending ("\r" stays on a CRLF line), so a file that mixes endings keeps them.
  const crlf = /\r\n/.test(source) && !/(^|[^\r])\n/.test(source);
  const lines = source.split('\n');
  // A file the patch creates ends with a newline unless a hunk says otherwise.
  let endsWithNewline = lines.at(-1) === '';
  if (endsWithNewline) lines.pop();
  const result: string[] = [];
  let position = 0;
  let shift = 0;
  for (const [index, hunk] of file.hunks.entries()) {
    const { old, added, newline } = sides(hunk);
    const hinted = Math.max(0, hunk.oldStart - 1 + shift);
    // Exactly as the patch says; else ignoring "\r" (a model's LF patch against a CRLF file).
    const exact = locate(lines, old, hinted, position, (line) => line);
    const start = exact ?? locate(lines, old, hinted, position, withoutCr);
    if (start === null) {
      // As the patch wrote it: jsdiff reads a count of 0 as starting one line later.
      const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
      const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
      const header = `@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@`;
      throw notApplied(
        what,
        path,
        `hunk ${index + 1} of ${file.hunks.length} (${header}) does not match the file's lines`,
        index + 1,
        describeMismatch(source, hunk, path, position),
      );
    }
    // In a CRLF file, a line the patch adds without its "\r" gets one.
    const fitted = crlf ? added.map((line) => (line.endsWith('\r') ? line : `${line}\r`)) : added;
    result.push(...lines.slice(position, start), ...fitted);
    position = start + old.length;
    shift = start - (hunk.oldStart - 1);
    if (newline !== null) endsWithNewline = newline;
  }
  result.push(...lines.slice(position));
  if (result.length === 0) return '';
  return result.join('\n') + (endsWithNewline ? '\n' : '');
}

function withoutCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/**
 * A hunk's old lines (context and removed) and new lines (context and added), and whether the new file
 * ends with a newline when the hunk says (`\ No newline at end of file`); null when it does not.
 */
function sides(hunk: StructuredPatchHunk): { old: string[]; added: string[]; newline: boolean | null } {
  const old: string[] = [];
  const added: string[] = [];
  let newline: boolean | null = null;
  let previous = '';
  for (const line of hunk.lines) {
    const op = line[0] ?? ' ';
    const text = line.slice(1);
    if (op === '\\') {
      // Said of the old side only (a removed line): the new file ends with a newline unless a later
      // added line says otherwise.
      newline = previous === '-';
      continue;
    }
    if (op === ' ' || op === '-') old.push(text);
    if (op === ' ' || op === '+') added.push(text);
    previous = op;
  }
  return { old, added, newline };
}

/**
 * Where `old` is in `lines` (compared as `key` makes them), at or after `from`, nearest to `hinted`;
 * null when nowhere.
 */
function locate(
  lines: readonly string[],
  old: readonly string[],
  hinted: number,
  from: number,
  key: (line: string) => string,
): number | null {
  const last = lines.length - old.length;
  if (last < from) return null;
  const start = Math.min(Math.max(hinted, from), last);
  for (let distance = 0; start - distance >= from || start + distance <= last; distance++) {
    for (const candidate of distance === 0 ? [start] : [start - distance, start + distance]) {
      if (candidate < from || candidate > last) continue;
      if (old.every((line, index) => key(lines[candidate + index] ?? '') === key(line))) return candidate;
    }
  }
  return null;
}

const MAX_SHOWN_LINES = 30;
/** Above this many line comparisons the closest match is looked for only near the header's line. */
const MAX_COMPARISONS = 2_000_000;

/**
 * The lines a hunk expects (its context and removed lines) beside the closest run of lines the file
 * has, each of the file's lines that differs marked, so whoever wrote the hunk sees what to copy.
 */
export function describeMismatch(
  source: string,
  hunk: StructuredPatchHunk,
  path: string,
  /** The first line (0-based) the hunk may start at: earlier ones belong to the hunks before it. */
  from = 0,
): string {
  const fileLines = source.split('\n');
  if (fileLines.at(-1) === '') fileLines.pop();
  const expected = hunk.lines
    .filter((line) => line.startsWith(' ') || line.startsWith('-'))
    .map((line) => line.slice(1));
  if (expected.length === 0) {
    return `The hunk has no context or removed lines, and line ${hunk.oldStart} is past the end of ${path} (${fileLines.length} lines). Give a few unchanged lines around the insertion as context.`;
  }
  const match = closestMatch(fileLines, expected, hunk.oldStart - 1);
  const lines = [
    `The hunk expects these lines (its context and removed lines), from line ${hunk.oldStart}:`,
    ...numbered(expected, hunk.oldStart, () => ' '),
  ];
  if (fileLines.length === 0) {
    lines.push(`${path} is empty.`);
    return lines.join('\n');
  }
  const found = fileLines.slice(match.start, match.start + expected.length);
  if (match.exact === expected.length) {
    lines.push(
      `${path} has all of them at line ${match.start + 1}, but the hunk before this one ends at line ${from}: give hunks in the order of the file, without overlapping.`,
    );
    return lines.join('\n');
  }
  const whitespace = found.some((line, index) => differsInWhitespaceOnly(line, expected[index]));
  const legend = `≠ marks a line that differs${whitespace ? ', ~ one that differs only in whitespace' : ''}`;
  lines.push(
    match.score === 0
      ? `None of them is in ${path} as written; it has at line ${match.start + 1} (${legend}):`
      : `The closest lines in ${path} are at line ${match.start + 1} (${legend}):`,
    ...numbered(found, match.start + 1, (line, index) => {
      const want = expected[index];
      if (line === want) return ' ';
      return differsInWhitespaceOnly(line, want) ? '~' : '≠';
    }),
  );
  if (found.length < expected.length) lines.push(`  (the file ends after line ${fileLines.length})`);
  lines.push('Read the file again and copy its lines exactly (whitespace included) into the hunk.');
  return lines.join('\n');
}

/**
 * Where the file's lines look most like the hunk's: two points a line that is equal, one a line equal
 * but for whitespace; ties go to the start nearest the header's line.
 */
function closestMatch(
  fileLines: readonly string[],
  expected: readonly string[],
  hinted: number,
): { start: number; score: number; exact: number } {
  const lastStart = Math.max(0, fileLines.length - 1);
  let from = 0;
  let to = lastStart;
  const span = Math.floor(MAX_COMPARISONS / expected.length / 2);
  if ((lastStart + 1) * expected.length > MAX_COMPARISONS) {
    from = Math.max(0, hinted - span);
    to = Math.min(lastStart, hinted + span);
  }
  let best = { start: Math.min(Math.max(0, hinted), lastStart), score: -1, exact: 0 };
  for (let start = from; start <= to; start++) {
    let score = 0;
    let exact = 0;
    for (let index = 0; index < expected.length; index++) {
      const line = fileLines[start + index];
      if (line === undefined) break;
      if (line === expected[index]) {
        score += 2;
        exact++;
      } else if (differsInWhitespaceOnly(line, expected[index])) score += 1;
    }
    const nearer = Math.abs(start - hinted) < Math.abs(best.start - hinted);
    if (score > best.score || (score === best.score && nearer)) best = { start, score, exact };
  }
  return { ...best, score: Math.max(0, best.score) };
}

function numbered(
  lines: readonly string[],
  first: number,
  mark: (line: string, index: number) => string,
): string[] {
  const shown = lines.slice(0, MAX_SHOWN_LINES);
  const width = String(first + shown.length).length;
  const out = shown.map(
    (line, index) => `${mark(line, index)} ${String(first + index).padStart(width)} | ${line}`,
  );
  if (lines.length > shown.length) out.push(`  … ${lines.length - shown.length} more lines`);
  return out;
}

function differsInWhitespaceOnly(line: string, want: string | undefined): boolean {
  return want !== undefined && line !== want && line.replace(/\s+/g, '') === want.replace(/\s+/g, '');
}

function notApplied(
  what: string,
  path: string,
  why: string,
  hunk?: number,
  explanation?: string,
): BadInputError {
  const message = `${what} does not apply to ${path}: ${why}.${explanation ? `\n${explanation}` : ''}`;
  return new BadInputError('patch_does_not_apply', message, {
    details: { file: path, ...(hunk === undefined ? {} : { hunk }) },
  });
}

/**
 * A header's path without git's a/ or b/ prefix (jsdiff has unquoted it) or `root`; null for
 * /dev/null. A path that leaves the tree or enters .git is refused: a patch names files of the
 * repository, nothing else.
 */
function pathOf(name: string | undefined, what: string, root: string | undefined): string | null {
  if (name === undefined || name === '/dev/null') return null;
  let stripped = name.replace(/^[ab]\//, '');
  if (root !== undefined && posix.isAbsolute(stripped)) {
    const inside = posix.relative(root, posix.normalize(stripped));
    if (inside !== '' && !inside.startsWith('../') && inside !== '..') stripped = inside;
  }
  const normal = posix.normalize(stripped);
  if (
    stripped === '' ||
    posix.isAbsolute(normal) ||
    normal === '..' ||
    normal.startsWith('../') ||
    normal === '.git' ||
    normal.startsWith('.git/')
  ) {
    throw notApplied(what, stripped, 'the path is outside the repository’s files');
  }
  return normal;
}

function executableOf(mode: string | undefined): boolean | null {
  if (mode === undefined) return null;
  return mode === '100755';
}

/** UTF-8 text, or null for content that is not (a NUL byte, or bytes that do not decode). */
function decodeText(content: Buffer): string | null {
  if (content.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content);
  } catch {
    return null;
  }
}

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/;
const BARE_HUNK_HEADER = /^@@(?: .*)?$/;

/**
 * Rewrites each hunk header with the counts of the lines under it (and line 1 for a bare `@@`, which
 * jsdiff then looks for across the whole file). An empty line inside a hunk is an empty context line;
 * empty lines ending a hunk separate it from what follows and are left out.
 */
export function recountHunks(patch: string): string {
  const lines = patch.split('\n');
  const out: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index] ?? '';
    const numbered = HUNK_HEADER.exec(line);
    if (!numbered && !BARE_HUNK_HEADER.test(line)) {
      out.push(line);
      index++;
      continue;
    }
    const body: string[] = [];
    index++;
    while (index < lines.length) {
      const next = lines[index] ?? '';
      const fileHeader = next.startsWith('--- ') && (lines[index + 1] ?? '').startsWith('+++ ');
      if (next.startsWith('@@') || next.startsWith('diff --git ') || fileHeader) break;
      if (next !== '' && !/^[ +\-\\]/.test(next)) break;
      body.push(next);
      index++;
    }
    const trailing: string[] = [];
    while (body.at(-1) === '') trailing.push(body.pop() ?? '');
    const hunk = body.map((text) => (text === '' ? ' ' : text));
    const oldLines = hunk.filter((text) => text.startsWith(' ') || text.startsWith('-')).length;
    const newLines = hunk.filter((text) => text.startsWith(' ') || text.startsWith('+')).length;
    const oldStart = numbered ? Number(numbered[1]) : oldLines === 0 ? 0 : 1;
    const newStart = numbered ? Number(numbered[2]) : newLines === 0 ? 0 : 1;
    const rest = numbered ? (numbered[3] ?? '') : '';
    out.push(`@@ -${oldStart},${oldLines} +${newStart},${newLines} @@${rest}`, ...hunk, ...trailing);
  }
  return out.join('\n');
}
