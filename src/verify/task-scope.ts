import { isTestFile } from './test-files.ts';

/** Where the change lives, compared with what the task talks about. A heuristic: it only warns. Pure. */

export interface FarArea {
  /** The top-level directory, e.g. "infra". */
  directory: string;
  files: string[];
  /** The top-level directory holding most of the change. */
  mainArea: string;
}

/** Directories that travel with any change: its tests and its docs. */
const COMPANIONS = /^(test|tests|__tests__|spec|specs|docs?|documentation|e2e|fixtures|examples?)$/i;

/**
 * Top-level directories the change touches that look unrelated to the task: more than one directory is
 * touched, this one holds fewer files than the main one, it is not a tests or docs directory, and
 * neither it nor any name in its paths (a directory, or a file name without extension, of three or
 * more characters) appears in the task text. Files at the repository root are never far.
 */
export function findFarAreas(task: string, touchedPaths: readonly string[]): FarArea[] {
  const byDirectory = new Map<string, string[]>();
  for (const path of touchedPaths) {
    const [top, ...rest] = path.split('/');
    if (!top || rest.length === 0) continue;
    byDirectory.set(top, [...(byDirectory.get(top) ?? []), path]);
  }
  if (byDirectory.size < 2) return [];
  const ranked = [...byDirectory].sort((a, b) => b[1].length - a[1].length);
  const [mainArea, mainFiles] = ranked[0] ?? ['', []];
  const words = wordsOf(task);
  const far: FarArea[] = [];
  for (const [directory, files] of ranked.slice(1)) {
    if (files.length >= mainFiles.length || COMPANIONS.test(directory)) continue;
    if (files.every((file) => isTestFile(file))) continue;
    const names = files.flatMap(namesIn);
    if (names.some((name) => words.has(name))) continue;
    far.push({ directory, files, mainArea });
  }
  return far;
}

function wordsOf(text: string): Set<string> {
  const words = new Set<string>();
  for (const word of text.toLowerCase().split(/[^a-z0-9_-]+/)) {
    if (word.length >= 3) words.add(word);
    // "session-recorder" also mentions "session" and "recorder".
    for (const part of word.split(/[-_]/)) if (part.length >= 3) words.add(part);
  }
  return words;
}

/** "infra/deploy/main.tf" → infra, deploy, main; "src/sessionRecorder.ts" also → session, recorder. */
function namesIn(path: string): string[] {
  const segments = path
    .split('/')
    .map((segment, index, all) =>
      index === all.length - 1 ? segment.replace(/\.[^.]*$/, '').replace(/\.(test|spec)$/, '') : segment,
    );
  const names = new Set<string>();
  for (const segment of segments) {
    const spaced = segment.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
    for (const part of [segment.toLowerCase(), ...spaced.split(/[\s._-]+/)]) {
      if (part.length >= 3) names.add(part);
    }
  }
  return [...names];
}
