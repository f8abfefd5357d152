/**
 * A unified diff (`git diff` output, or plain `diff -u`) as files, hunks and lines: what the gate's soft
 * signals read and what the web UI shows. The parsing is jsdiff's `parsePatch` (git's dialect included:
 * renames, copies, modes, binary files, C-quoted paths). Pure and browser-safe.
 */
import { parsePatch, type StructuredPatch } from 'diff';

export type FileChange = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

export interface DiffLine {
  /** `note`: "\ No newline at end of file", about the line before it. */
  kind: 'add' | 'del' | 'context' | 'note';
  text: string;
  /** Line numbers in the old and new file; null where the line does not exist on that side. */
  oldLine: number | null;
  newLine: number | null;
}

export interface DiffHunk {
  /** The `@@ -a,b +c,d @@ heading` line as the diff wrote it. */
  header: string;
  lines: DiffLine[];
}

/** An added line with its number in the new file, or a removed one with its number in the old file. */
export interface ChangedLine {
  line: number;
  text: string;
}

export interface FileDiff {
  /** The new path, or the old one for a deleted file. */
  path: string;
  /** Null for an added file. */
  oldPath: string | null;
  /** Null for a deleted file. */
  newPath: string | null;
  change: FileChange;
  binary: boolean;
  hunks: DiffHunk[];
  added: ChangedLine[];
  removed: ChangedLine[];
}

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/;

/**
 * Never throws. Hunk line counts decide where a hunk ends, so a removed line that reads "--- x" is not
 * taken for a file header. A file whose hunks do not parse (a diff cut short) is left out; text that is
 * not a diff gives no files.
 */
export function parseUnifiedDiff(text: string): FileDiff[] {
  // Each `diff --git` section on its own: one bad file does not hide the others, and a section can say
  // what jsdiff does not report ("GIT binary patch").
  return splitGitSections(text.replace(/\r\n/g, '\n')).flatMap((section) => parse(section) ?? []);
}

/** The path to show for a file: the new one, the old one for a deletion, `old → new` for a rename or copy. */
export function displayPath(file: FileDiff): string {
  if (file.oldPath !== null && file.newPath !== null && file.oldPath !== file.newPath) {
    return `${file.oldPath} → ${file.newPath}`;
  }
  return file.path;
}

function parse(text: string): FileDiff[] | null {
  let patches: StructuredPatch[];
  try {
    patches = parsePatch(text);
  } catch {
    return null;
  }
  // jsdiff drops each hunk header's trailing heading; they are the only lines starting with "@@", in order.
  const lines = text.split('\n');
  const headers = lines.filter((line) => HUNK_HEADER.test(line));
  const binaryPatch = lines.includes('GIT binary patch');
  const files: FileDiff[] = [];
  for (const patch of patches) {
    const file = toFile(patch, headers);
    if (file) files.push(binaryPatch ? { ...file, binary: true } : file);
  }
  return files;
}

function toFile(patch: StructuredPatch, headers: string[]): FileDiff | null {
  if (patch.oldFileName === undefined && patch.newFileName === undefined) {
    headers.splice(0, patch.hunks.length);
    return null;
  }
  const oldPath = patch.isCreate ? null : filePath(patch.oldFileName);
  const newPath = patch.isDelete ? null : filePath(patch.newFileName);
  const change: FileChange =
    oldPath === null
      ? 'added'
      : newPath === null
        ? 'deleted'
        : patch.isCopy
          ? 'copied'
          : patch.isRename || oldPath !== newPath
            ? 'renamed'
            : 'modified';
  const file: FileDiff = {
    path: newPath ?? oldPath ?? '',
    oldPath,
    newPath,
    change,
    binary: patch.isBinary === true,
    hunks: [],
    added: [],
    removed: [],
  };
  for (const hunk of patch.hunks) {
    const header =
      headers.shift() ?? `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`;
    const lines: DiffLine[] = [];
    let oldLine = hunk.oldStart;
    let newLine = hunk.newStart;
    for (const line of hunk.lines) {
      const body = line.slice(1);
      if (line.startsWith('+')) {
        lines.push({ kind: 'add', text: body, oldLine: null, newLine });
        file.added.push({ line: newLine++, text: body });
      } else if (line.startsWith('-')) {
        lines.push({ kind: 'del', text: body, oldLine, newLine: null });
        file.removed.push({ line: oldLine++, text: body });
      } else if (line.startsWith('\\')) {
        lines.push({ kind: 'note', text: line, oldLine: null, newLine: null });
      } else {
        lines.push({ kind: 'context', text: body, oldLine: oldLine++, newLine: newLine++ });
      }
    }
    file.hunks.push({ header, lines });
  }
  return file;
}

/** A header's path without git's a/ b/ prefix (jsdiff has already unquoted it); null for /dev/null. */
function filePath(name: string | undefined): string | null {
  if (name === undefined || name === '/dev/null') return null;
  return name.replace(/^[ab]\//, '');
}

/** The text cut before each `diff --git` line; the whole text when it has none (plain `diff -u`). */
export function splitGitSections(text: string): string[] {
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
