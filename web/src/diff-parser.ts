/** A unified diff (`git diff`) split into files, hunks and lines for display. */
export interface DiffFile {
  /** The path before the change; null for an added file. */
  oldPath: string | null;
  /** The path after the change; null for a deleted file. */
  newPath: string | null;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  binary: boolean;
  additions: number;
  deletions: number;
  hunks: DiffHunk[];
}

export interface DiffHunk {
  header: string;
  lines: DiffLine[];
}

export interface DiffLine {
  kind: 'add' | 'del' | 'context' | 'note';
  text: string;
  /** Line numbers in the old and new file; null where the line does not exist on that side. */
  oldLine: number | null;
  newLine: number | null;
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function stripPrefix(path: string): string | null {
  if (path === '/dev/null') return null;
  // Quoted paths (non-ASCII, spaces at the end) keep their quotes off.
  const unquoted = path.startsWith('"') && path.endsWith('"') ? path.slice(1, -1) : path;
  return unquoted.replace(/^[ab]\//, '');
}

function gitHeaderPaths(line: string): { oldPath: string; newPath: string } | null {
  const match = /^diff --git "?a\/(.+?)"? "?b\/(.+?)"?$/.exec(line);
  return match ? { oldPath: match[1] ?? '', newPath: match[2] ?? '' } : null;
}

function newFile(oldPath: string | null, newPath: string | null): DiffFile {
  return { oldPath, newPath, status: 'modified', binary: false, additions: 0, deletions: 0, hunks: [] };
}

/** Header lines between `diff --git` and the first hunk. */
function applyHeader(file: DiffFile, line: string): void {
  if (line.startsWith('new file mode')) file.status = 'added';
  else if (line.startsWith('deleted file mode')) file.status = 'deleted';
  else if (line.startsWith('rename from ')) {
    file.status = 'renamed';
    file.oldPath = line.slice('rename from '.length);
  } else if (line.startsWith('rename to ')) file.newPath = line.slice('rename to '.length);
  else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
  else if (line.startsWith('--- ')) {
    file.oldPath = stripPrefix(line.slice(4).split('\t')[0] ?? '');
    if (file.oldPath === null) file.status = 'added';
  } else if (line.startsWith('+++ ')) {
    file.newPath = stripPrefix(line.slice(4).split('\t')[0] ?? '');
    if (file.newPath === null) file.status = 'deleted';
  }
}

/**
 * Parses `git diff` output. Hunk bodies are read by their line counts, so a removed line that itself
 * starts with `-- ` is not mistaken for a file header. Text that is not a diff yields no files; never throws.
 */
export function parseDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let hunk: DiffHunk | null = null;
  let oldLine = 0;
  let newLine = 0;
  let oldLeft = 0;
  let newLeft = 0;

  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    if (hunk !== null && (oldLeft > 0 || newLeft > 0)) {
      const marker = line[0];
      const body = line.slice(1);
      if (marker === '+') {
        hunk.lines.push({ kind: 'add', text: body, oldLine: null, newLine: newLine++ });
        newLeft--;
        if (file) file.additions++;
      } else if (marker === '-') {
        hunk.lines.push({ kind: 'del', text: body, oldLine: oldLine++, newLine: null });
        oldLeft--;
        if (file) file.deletions++;
      } else if (marker === '\\') {
        hunk.lines.push({ kind: 'note', text: line, oldLine: null, newLine: null });
      } else {
        hunk.lines.push({ kind: 'context', text: body, oldLine: oldLine++, newLine: newLine++ });
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    if (hunk !== null && line.startsWith('\\')) {
      hunk.lines.push({ kind: 'note', text: line, oldLine: null, newLine: null });
      continue;
    }
    if (line.startsWith('diff --git ')) {
      const paths = gitHeaderPaths(line);
      file = newFile(paths?.oldPath ?? null, paths?.newPath ?? null);
      files.push(file);
      hunk = null;
      continue;
    }
    // A plain unified diff (no `diff --git` line) starts a file at `--- `.
    if (line.startsWith('--- ') && (file === null || hunk !== null)) {
      file = newFile(null, null);
      files.push(file);
      hunk = null;
    }
    if (file === null) continue;
    const match = HUNK.exec(line);
    if (match) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      oldLine = Number(match[1]);
      oldLeft = match[2] === undefined ? 1 : Number(match[2]);
      newLine = Number(match[3]);
      newLeft = match[4] === undefined ? 1 : Number(match[4]);
      continue;
    }
    if (hunk === null) applyHeader(file, line);
  }
  for (const f of files) {
    if (f.status === 'added') f.oldPath = null;
    if (f.status === 'deleted') f.newPath = null;
  }
  return files;
}

/** The path to show for a file: the new one, the old one for a deletion, `old → new` for a rename. */
export function displayPath(file: DiffFile): string {
  if (file.status === 'renamed' && file.oldPath !== file.newPath) return `${file.oldPath} → ${file.newPath}`;
  return file.newPath ?? file.oldPath ?? '(unknown file)';
}
