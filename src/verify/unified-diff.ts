/** A unified diff (`git diff` output, or plain `diff -u`) as files with their added and removed lines. Pure. */

export interface DiffLine {
  /** In the new file for an added line, in the old file for a removed one. */
  line: number;
  text: string;
}

export type FileChange = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

export interface FileDiff {
  /** The new path, or the old one for a deleted file. */
  path: string;
  /** Null for an added file. */
  oldPath: string | null;
  /** Null for a deleted file. */
  newPath: string | null;
  change: FileChange;
  binary: boolean;
  added: DiffLine[];
  removed: DiffLine[];
}

/**
 * Never throws: what it cannot read it skips. Hunk line counts decide where a hunk ends, so a removed
 * line that reads "--- x" is not taken for a file header.
 */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | undefined;
  let oldLine = 0;
  let newLine = 0;
  let oldLeft = 0;
  let newLeft = 0;
  const start = (oldPath: string | null, newPath: string | null) => {
    file = {
      path: newPath ?? oldPath ?? '',
      oldPath,
      newPath,
      change: 'modified',
      binary: false,
      added: [],
      removed: [],
    };
    files.push(file);
    oldLeft = 0;
    newLeft = 0;
  };
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  for (const [index, line] of lines.entries()) {
    if (file && (oldLeft > 0 || newLeft > 0)) {
      const sign = line[0];
      if (sign === '+') {
        file.added.push({ line: newLine++, text: line.slice(1) });
        newLeft--;
        continue;
      }
      if (sign === '-') {
        file.removed.push({ line: oldLine++, text: line.slice(1) });
        oldLeft--;
        continue;
      }
      if (sign === ' ' || line === '') {
        oldLine++;
        newLine++;
        oldLeft--;
        newLeft--;
        continue;
      }
      if (sign === '\\') continue;
      oldLeft = 0;
      newLeft = 0;
    }
    if (line.startsWith('\\')) continue;
    const git = /^diff --git (.+)$/.exec(line);
    if (git) {
      const [oldPath, newPath] = splitGitPaths(git[1] ?? '');
      start(oldPath, newPath);
      continue;
    }
    if (line.startsWith('--- ') && lines[index + 1]?.startsWith('+++ ')) {
      const oldPath = headerPath(line.slice(4));
      const newPath = headerPath((lines[index + 1] ?? '').slice(4));
      // In a git diff the "diff --git" line already started this file; these lines confirm the paths.
      if (!file || file.added.length + file.removed.length > 0 || !sameFile(file, oldPath, newPath)) {
        start(oldPath, newPath);
      }
      setPaths(file, oldPath, newPath);
      continue;
    }
    if (!file) continue;
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[3]);
      oldLeft = hunk[2] === undefined ? 1 : Number(hunk[2]);
      newLeft = hunk[4] === undefined ? 1 : Number(hunk[4]);
    } else if (line.startsWith('new file mode')) setPaths(file, null, file.newPath);
    else if (line.startsWith('deleted file mode')) setPaths(file, file.oldPath, null);
    else if (/^(rename|copy) (from|to) /.test(line)) {
      // These name the paths without a/ b/ prefixes, so they settle paths with spaces.
      const [, kind, end, path = ''] = /^(rename|copy) (from|to) (.*)$/.exec(line) ?? [];
      const unquoted = /^"(.*)"$/.exec(path);
      const name = unquoted ? unquote(unquoted[1] ?? '') : path;
      file.change = kind === 'copy' ? 'copied' : 'renamed';
      if (end === 'from') file.oldPath = name;
      else file.newPath = file.path = name;
    } else if (/^Binary files .* differ$/.test(line) || line === 'GIT binary patch') file.binary = true;
  }
  return files;
}

function setPaths(file: FileDiff | undefined, oldPath: string | null, newPath: string | null): void {
  if (!file) return;
  file.oldPath = oldPath;
  file.newPath = newPath;
  file.path = newPath ?? oldPath ?? file.path;
  if (oldPath === null) file.change = 'added';
  else if (newPath === null) file.change = 'deleted';
  else if (oldPath !== newPath && file.change === 'modified') file.change = 'renamed';
}

function sameFile(file: FileDiff, oldPath: string | null, newPath: string | null): boolean {
  return (oldPath === null || oldPath === file.oldPath) && (newPath === null || newPath === file.newPath);
}

/** "a/x b/y", with git's quoting ("a/sp ace" "b/sp ace") and prefixes a/ b/ (or none). */
function splitGitPaths(text: string): [string | null, string | null] {
  const quoted = /^"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"$/.exec(text);
  if (quoted) return [stripPrefix(unquote(quoted[1] ?? '')), stripPrefix(unquote(quoted[2] ?? ''))];
  // Unquoted paths may hold spaces: when both halves are equal, split in the middle.
  const half = (text.length - 1) / 2;
  if (Number.isInteger(half) && text[half] === ' ') {
    const [a, b] = [text.slice(0, half), text.slice(half + 1)];
    if (stripPrefix(a) === stripPrefix(b)) return [stripPrefix(a), stripPrefix(b)];
  }
  const match = /^(\S+) (\S+)$/.exec(text) ?? /^(a\/.*) (b\/.*)$/.exec(text);
  return match ? [stripPrefix(match[1] ?? ''), stripPrefix(match[2] ?? '')] : [text, text];
}

function headerPath(text: string): string | null {
  const path = text.replace(/\t.*$/, '');
  if (path === '/dev/null') return null;
  const unquoted = /^"(.*)"$/.exec(path);
  return stripPrefix(unquoted ? unquote(unquoted[1] ?? '') : path);
}

function stripPrefix(path: string): string {
  return path.replace(/^[ab]\//, '');
}

/** git's C-style quoting; octal escapes are UTF-8 bytes. */
function unquote(text: string): string {
  const bytes: number[] = [];
  const named: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char !== '\\') {
      bytes.push(...new TextEncoder().encode(char));
      continue;
    }
    const octal = /^[0-7]{3}/.exec(text.slice(i + 1))?.[0];
    if (octal) {
      bytes.push(Number.parseInt(octal, 8));
      i += 3;
    } else {
      const next = text[i + 1] ?? '';
      bytes.push(named[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
