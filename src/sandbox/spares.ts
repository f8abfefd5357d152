import { createWarmPool, type Poolable } from './warm-pool.ts';

/** A started sandbox waiting for its workspace. */
export interface SpareItem extends Poolable {
  /** False once its process has ended (killed, OOM) while it waited. */
  alive(): boolean;
}

export interface Spares<S, T extends SpareItem> {
  /**
   * A started spare for `key` when one is ready (the key is then topped up in the background); else
   * undefined, and the key starts filling from `spec` for the next call. The caller owns the result.
   */
  take(key: string, spec: S): Promise<T | undefined>;
  /** Resolves when no spare is starting. */
  settled(): Promise<void>;
  /** Stops keeping spares and destroys those waiting. Idempotent. */
  drain(): Promise<void>;
}

/**
 * Spare sandboxes per key (warm-pool.ts does the keeping): unlike a pool's acquire, a miss starts
 * nothing for the caller, who starts a sandbox the usual way, while `size` spares start for later.
 */
export function createSpares<S, T extends SpareItem>(
  size: number,
  start: (spec: S) => Promise<T>,
  onError?: (error: unknown) => void,
): Spares<S, T> {
  const recipes = new Map<string, S>();
  const pool = createWarmPool<T>({
    create: (key) => {
      const spec = recipes.get(key);
      return spec === undefined ? Promise.reject(new Error(`No spare recipe for ${key}.`)) : start(spec);
    },
    size,
    onError: (_key, error) => onError?.(error),
  });
  let drained = false;
  return {
    async take(key, spec) {
      if (drained || size === 0) return undefined;
      if (!recipes.has(key)) recipes.set(key, spec);
      while (pool.ready(key) > 0) {
        const { item } = await pool.acquire(key);
        if (item.alive()) return item;
        await item.destroy().catch(() => {});
      }
      pool.warm(key);
      return undefined;
    },
    settled: () => pool.settled(),
    drain() {
      drained = true;
      return pool.drain();
    },
  };
}
