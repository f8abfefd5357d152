import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, Cleanup, Destroyable, GeneratedRepository, GeneratedTree } from './benchmark.ts';
import type { BenchConfig } from './config.ts';
import { commitTree, generateTree } from './generated-tree.ts';

/** What one run owns: temp dirs, sandboxes and the shared generated tree, all released by cleanup(). */
export interface RunScope {
  contextFor(benchmarkId: string): BenchContext;
  /** Releases everything acquired so far, last acquired first; returns what could not be released. */
  cleanup(): Promise<string[]>;
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load();
    return value;
  };
}

export function createRunScope(
  config: BenchConfig,
  log: (message: string) => void,
  signal: AbortSignal = new AbortController().signal,
): RunScope {
  const cleanups: Cleanup[] = [];
  const defer = (cleanup: Cleanup): void => {
    cleanups.push(cleanup);
  };
  const scratch = async (prefix: string): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), `drydock-bench-${prefix}-`));
    defer(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };
  // Sandboxes still running when the run ends (a benchmark failed or the user pressed Ctrl-C): they
  // go first, before the temp dirs holding their workspaces.
  const live = new Set<Destroyable>();

  const drain = async (): Promise<string[]> => {
    const failures: string[] = [];
    const destroyed = await Promise.allSettled([...live].map((resource) => resource.destroy()));
    live.clear();
    for (const outcome of destroyed) {
      if (outcome.status === 'rejected') failures.push(String(outcome.reason));
    }
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop()!;
      try {
        await cleanup();
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    return failures;
  };
  let draining: Promise<string[]> = Promise.resolve([]);

  const tree = once(async (): Promise<GeneratedTree> => {
    const root = await scratch('tree');
    const mb = (config.tree.bytes / 1e6).toFixed(0);
    log(`generating ${config.tree.files} files (~${mb} MB) in ${root}`);
    return generateTree(root, config.tree);
  });
  const repository = once(async (): Promise<GeneratedRepository> => {
    const generated = await tree();
    log('committing and packing the generated tree');
    return commitTree(generated);
  });

  return {
    contextFor(benchmarkId) {
      const count = (defaults: { full: number; quick: number }): number =>
        config.quick ? defaults.quick : defaults.full;
      return {
        quick: config.quick,
        signal,
        events: config.events,
        iterations: (defaults) =>
          config.iterations.get(benchmarkId) ?? config.iterations.get('*') ?? count(defaults),
        warmup: count,
        scratch,
        defer,
        track(resource) {
          live.add(resource);
          return async () => {
            live.delete(resource);
            await resource.destroy();
          };
        },
        tree,
        repository,
        log: (message) => log(`[${benchmarkId}] ${message}`),
      };
    },

    cleanup() {
      // Calls run one after the other (Ctrl-C may arrive while the run's own cleanup is under way):
      // each waits for the previous one, then releases whatever was acquired since.
      draining = draining.then(drain);
      return draining;
    },
  };
}
