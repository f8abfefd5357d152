import { posix } from 'node:path';
import { NotFoundError, UnavailableError } from '../../src/core/errors.ts';
import type { ExecOptions, ExecResult, FileStat, Sandbox } from '../../src/core/ports/sandbox.ts';

/**
 * Answers an exec. An async handler can play a long-running program: read `options.stdin` and answer
 * through `options.onOutput` (an MCP server over stdio), resolving when it exits.
 */
export type ExecHandler = (
  command: string | readonly string[],
  options: ExecOptions,
) => Partial<ExecResult> | Promise<Partial<ExecResult>>;

/**
 * A fake Sandbox held in memory, for agent-loop tests that need no processes: files live in a map,
 * and exec answers with what the test's handler returns. It implements the real port, errors
 * included; the contract tests it cannot pass (it runs no processes) are skipped, with the reason,
 * in memory-sandbox.test.ts.
 */
export function createMemorySandbox(
  files: Record<string, string> = {},
  onExec?: ExecHandler,
): Sandbox & {
  files: Map<string, Buffer>;
  commands: Array<string | readonly string[]>;
} {
  const store = new Map(
    Object.entries(files).map(([path, content]) => [normalise(path), Buffer.from(content)]),
  );
  const commands: Array<string | readonly string[]> = [];
  let destroyed = false;
  const alive = () => {
    if (destroyed) {
      throw new UnavailableError('sandbox_destroyed', 'Sandbox memory was destroyed.', { transient: false });
    }
  };
  const missing = (path: string) => new NotFoundError('file_not_found', `Nothing exists at ${path}.`);
  return {
    id: 'memory',
    workdir: '/workspace',
    files: store,
    commands,
    async exec(command, options = {}) {
      alive();
      if (options.signal?.aborted) return { ...RESULT, aborted: true, exitCode: null, durationMs: 0 };
      commands.push(command);
      const result = (await onExec?.(command, options)) ?? {};
      return { ...RESULT, ...result };
    },
    async readFile(path) {
      alive();
      const content = store.get(normalise(path));
      if (!content) throw missing(path);
      return content;
    },
    async writeFile(path, content) {
      alive();
      store.set(normalise(path), Buffer.from(content));
    },
    async stat(path): Promise<FileStat | null> {
      alive();
      const key = normalise(path);
      const file = store.get(key);
      if (file) return { type: 'file', size: file.length, mtimeMs: 0 };
      const prefix = key === '.' ? '' : `${key}/`;
      return [...store.keys()].some((name) => name.startsWith(prefix))
        ? { type: 'directory', size: 0, mtimeMs: 0 }
        : null;
    },
    async listDir(path) {
      alive();
      const key = normalise(path);
      const prefix = key === '.' ? '' : `${key}/`;
      const names = new Set<string>();
      for (const name of store.keys())
        if (name.startsWith(prefix)) names.add(name.slice(prefix.length).split('/')[0]!);
      if (names.size === 0 && key !== '.') throw missing(path);
      return [...names].sort();
    },
    async destroy() {
      destroyed = true;
    },
  };
}

const RESULT: ExecResult = {
  exitCode: 0,
  signal: null,
  output: '',
  truncated: false,
  timedOut: false,
  aborted: false,
  durationMs: 1,
};

function normalise(path: string): string {
  const relative = posix.relative('/workspace', posix.resolve('/workspace', path));
  return relative === '' ? '.' : relative;
}
