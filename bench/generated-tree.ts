import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratedRepository, GeneratedTree } from './benchmark.ts';
import { runChecked } from './processes.ts';

export interface TreeShape {
  files: number;
  /** Total size of the files, roughly. */
  bytes: number;
}

/** A word no generated line contains, put in one file of every NEEDLE_EVERY. */
export const NEEDLE = 'drydockbenchneedle';
const NEEDLE_EVERY = 100;
const TOP_DIRS = 20;
const MID_DIRS = 20;
const WRITE_CONCURRENCY = 32;

const WORDS = (
  'const let return function export import from async await if else for while of in new this class ' +
  'interface type string number boolean null undefined true false value index result error options ' +
  'session sandbox workspace event store record model router tool output input limit budget check ' +
  'review finding branch commit delivery config parse render stream buffer length count total'
).split(' ');

/** A small deterministic PRNG (mulberry32): the same tree on every run, so runs compare. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function createLinePool(random: () => number, size: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < size; i++) {
    const indent = '  '.repeat(Math.floor(random() * 4));
    const words: string[] = [];
    const count = 6 + Math.floor(random() * 10);
    for (let w = 0; w < count; w++) words.push(WORDS[Math.floor(random() * WORDS.length)]!);
    lines.push(`${indent}${words.join(' ')};`);
  }
  return lines;
}

/** Relative paths of `files` files in nested directories, `src/dNN/sNN/fNNN.ts`. */
function treePaths(files: number): string[] {
  const perLeaf = Math.max(1, Math.ceil(files / (TOP_DIRS * MID_DIRS)));
  const paths: string[] = [];
  for (let i = 0; i < files; i++) {
    const leaf = Math.floor(i / perLeaf);
    const top = String(Math.floor(leaf / MID_DIRS)).padStart(2, '0');
    const mid = String(leaf % MID_DIRS).padStart(2, '0');
    const name = String(i % perLeaf).padStart(3, '0');
    paths.push(join('src', `d${top}`, `s${mid}`, `f${name}.ts`));
  }
  return paths;
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  action: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await action(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Writes a source-like tree of text files (unique contents, sizes varying ±50% around the mean)
 * under `<root>/src`. Deterministic for a given shape.
 */
export async function generateTree(root: string, shape: TreeShape): Promise<GeneratedTree> {
  const random = createRandom(0xd7d0c);
  const pool = createLinePool(random, 4096);
  const meanBytes = shape.bytes / shape.files;
  const paths = treePaths(shape.files);
  const contents = paths.map((path, index) => {
    const target = meanBytes * (0.5 + random());
    const lines = [`// ${path}`];
    let size = lines[0]!.length + 1;
    while (size < target) {
      const line = pool[Math.floor(random() * pool.length)]!;
      lines.push(line);
      size += line.length + 1;
    }
    if (index % NEEDLE_EVERY === 0) lines.splice(Math.floor(lines.length / 2), 0, `// ${NEEDLE}`);
    return `${lines.join('\n')}\n`;
  });
  const dirs = new Set(paths.map((path) => join(root, path, '..')));
  for (const dir of dirs) await mkdir(dir, { recursive: true });
  await forEachLimited(paths, WRITE_CONCURRENCY, (path, index) =>
    writeFile(join(root, path), contents[index]!),
  );
  return {
    root,
    files: paths.length,
    bytes: contents.reduce((total, content) => total + Buffer.byteLength(content), 0),
    needle: NEEDLE,
    filesWithNeedle: Math.ceil(paths.length / NEEDLE_EVERY),
  };
}

const GIT_CONFIG = [
  '-c',
  'user.name=drydock bench',
  '-c',
  'user.email=bench@example.invalid',
  '-c',
  'commit.gpgsign=false',
  '-c',
  'core.hooksPath=/dev/null',
];

/**
 * Commits the tree in a new repository at its root and packs it (a real clone's objects are packed,
 * not 20,000 loose files). No delta search: the point is the layout, and it would cost a minute.
 */
export async function commitTree(tree: GeneratedTree): Promise<GeneratedRepository> {
  const git = (...args: string[]) => runChecked('git', [...GIT_CONFIG, ...args], { cwd: tree.root });
  await git('init', '--quiet', '--initial-branch=main');
  await git('add', '--all');
  await git('commit', '--quiet', '-m', 'Generated tree');
  await git('repack', '-a', '-d', '-q', '--window=0');
  const commit = (await git('rev-parse', 'HEAD')).trim();
  return { ...tree, commit };
}
