import { posix } from 'node:path';
import { applyPatch, parsePatch, type StructuredPatch } from 'diff';
import { BadInputError } from '../core/errors.ts';

/** What applying a patch does to one file: its whole new content, or its removal. */
export type PatchedFile =
  | {
      kind: 'write';
      path: string;
      content: string;
      /** True or false when the patch sets the file's mode (100755 or 100644); null when it does not. */
      executable: boolean | null;
    }
  | { kind: 'delete'; path: string };

/** A file's content before the patch (a Buffer or text), or null when there is no file at the path. */
export type ReadFile = (path: string) => Promise<Buffer | string | null>;

/**
 * The files a unified diff (git's dialect: creations, deletions, renames, copies, modes) changes, each
 * with its whole new content computed from `read` with jsdiff, in the order the patch names them (a
 * rename is the new file, then the old one's removal). Nothing is written: the caller applies the
 * result through whatever it trusts (a sandbox's file API, an agent's tools).
 *
 * Throws `BadInputError` (`patch_does_not_apply`) naming the file, and the hunk when one does not
 * apply: a binary change, a path outside the tree, a file that is missing or is not text, a hunk whose
 * lines are not in the file. `what` names the patch in messages ("test_patch").
 */
export async function patchFiles(patch: string, read: ReadFile, what = 'the patch'): Promise<PatchedFile[]> {
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
  const results: PatchedFile[] = [];
  for (const section of gitSections(patch)) {
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
      const oldPath = file.isCreate ? null : pathOf(file.oldFileName, what);
      const newPath = file.isDelete ? null : pathOf(file.newFileName, what);
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
      const content = file.hunks.length === 0 ? source : applyHunks(source, file, named, what);
      if (newPath === null) {
        current.set(named, null);
        results.push({ kind: 'delete', path: named });
        continue;
      }
      current.set(newPath, content);
      results.push({ kind: 'write', path: newPath, content, executable: executableOf(file.newMode) });
      if (oldPath !== null && oldPath !== newPath && !file.isCopy) {
        current.set(oldPath, null);
        results.push({ kind: 'delete', path: oldPath });
      }
    }
  }
  return results;
}

/** The source with every hunk applied; throws naming the first hunk that does not apply. */
function applyHunks(source: string, file: StructuredPatch, path: string, what: string): string {
  const patched = applyPatch(source, file);
  if (patched !== false) return patched;
  // Hunks apply in order, each after the one before: the first prefix that fails ends with the culprit.
  for (let count = 1; count <= file.hunks.length; count++) {
    if (applyPatch(source, { ...file, hunks: file.hunks.slice(0, count) }) !== false) continue;
    const hunk = file.hunks[count - 1];
    const header = hunk
      ? `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`
      : 'a hunk';
    throw notApplied(
      what,
      path,
      `hunk ${count} of ${file.hunks.length} (${header}) does not match the file's lines`,
      count,
    );
  }
  throw notApplied(what, path, 'its hunks do not match the file');
}

function notApplied(what: string, path: string, why: string, hunk?: number): BadInputError {
  return new BadInputError('patch_does_not_apply', `${what} does not apply to ${path}: ${why}.`, {
    details: { file: path, ...(hunk === undefined ? {} : { hunk }) },
  });
}

/**
 * A header's path without git's a/ or b/ prefix (jsdiff has unquoted it); null for /dev/null. A path
 * that leaves the tree or enters .git is refused: a patch names files of the repository, nothing else.
 */
function pathOf(name: string | undefined, what: string): string | null {
  if (name === undefined || name === '/dev/null') return null;
  const stripped = name.replace(/^[ab]\//, '');
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

/** The text cut before each `diff --git` line; the whole text when it has none (plain `diff -u`). */
function gitSections(text: string): string[] {
  const sections: string[] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git ') && current.length > 0) {
      sections.push(current.join('\n'));
      current = [];
    }
    current.push(line);
  }
  if (current.length > 0) sections.push(current.join('\n'));
  return sections;
}
