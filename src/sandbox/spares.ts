import { createWarmPool, type Poolable } from './warm-pool.ts';

/** A started sandbox waiting for its workspace. */
export interface SpareItem extends Poolable {
  /** False once its process has ended (killed, OOM) while it waited. */
  alive(): boolean;
}

export interface Spares<S, T extends SpareItem> {
  /**
   * A started spare for `key` when one is ready, else undefined (and the key starts filling from
   * `spec`). Starts nothing else: the caller calls `fill` once it has what it took in hand.
   */
  take(key: string, spec: S): T | undefined;
  /** Tops up `key`'s spares in the background. */
  fill(key: string): void;
  /** Resolves when no spare is starting. */
  settled(): Promise<void>;
  /** Stops keeping spares and destroys those waiting. Idempotent. */
  drain(): Promise<void>;
}

/**
 * Spare sandboxes per key (warm-pool.ts does the keeping). Unlike a pool's acquire, a miss starts
 * nothing for the caller, who starts a sandbox the usual way, and a hand-off does not refill at once.
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
    take(key, spec) {
      if (drained || size === 0) return undefined;
      if (!recipes.has(key)) recipes.set(key, spec);
      for (let item = pool.take(key); item !== undefined; item = pool.take(key)) {
        if (item.alive()) return item;
        void item.destroy().catch(() => {});
      }
      pool.warm(key);
      return undefined;
    },
    fill(key) {
      if (!drained && recipes.has(key)) pool.warm(key);
    },
    settled: () => pool.settled(),
    drain() {
      drained = true;
      return pool.drain();
    },
  };
}
