/**
 * Started sandboxes waiting per environment, so acquiring one is a hand-off instead of a start. The
 * pool is generic over what it holds (a layered sandbox in drydock; fakes in tests): `create(key)`
 * starts one for an environment key (a stack of layers, say), and the pool keeps `size` of them per
 * key that was asked for, refilled in the background after every hand-off.
 */
export interface Poolable {
  destroy(): Promise<void>;
}

export interface WarmPoolOptions<T extends Poolable> {
  /** Starts one for `key`. Failures are retried on the next acquire, never thrown from the refill. */
  create(key: string): Promise<T>;
  /** Ready ones kept per key. Default 2. */
  size?: number;
  /** Called when a background start fails (for the log). */
  onError?: (key: string, error: unknown) => void;
}

export interface AcquireResult<T> {
  item: T;
  /** True when it came from the pool; false when it was started for this call (a cold start). */
  warm: boolean;
}

export interface WarmPool<T extends Poolable> {
  /**
   * A ready one for `key` if the pool has one, else one started now. Either way the key's pool is
   * topped up in the background. The caller owns the result and destroys it.
   */
  acquire(key: string): Promise<AcquireResult<T>>;
  /**
   * A ready one for `key`, or undefined; starts nothing, not even the refill (call `warm` for that),
   * so a hand-off on a busy machine does not share the CPU with the next start.
   */
  take(key: string): T | undefined;
  /** Starts filling `key`'s pool without taking anything (on startup, for the busiest environments). */
  warm(key: string): void;
  /** How many are ready for `key`. */
  ready(key: string): number;
  /** Resolves when no background start is in flight. */
  settled(): Promise<void>;
  /** Stops refilling and destroys everything still waiting. Idempotent. */
  drain(): Promise<void>;
}

export function createWarmPool<T extends Poolable>(options: WarmPoolOptions<T>): WarmPool<T> {
  const size = options.size ?? 2;
  const idle = new Map<string, T[]>();
  const starting = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let draining = false;

  const refill = (key: string): void => {
    if (draining) return;
    const have = (idle.get(key)?.length ?? 0) + (starting.get(key) ?? 0);
    for (let i = have; i < size; i++) {
      starting.set(key, (starting.get(key) ?? 0) + 1);
      const start = options
        .create(key)
        .then(
          async (item) => {
            if (draining) return item.destroy();
            const list = idle.get(key) ?? [];
            list.push(item);
            idle.set(key, list);
          },
          (error: unknown) => options.onError?.(key, error),
        )
        .finally(() => {
          starting.set(key, (starting.get(key) ?? 1) - 1);
          inFlight.delete(start);
        });
      inFlight.add(start);
    }
  };

  return {
    async acquire(key) {
      if (draining) throw new Error('The warm pool is drained.');
      const item = idle.get(key)?.shift();
      refill(key);
      if (item !== undefined) return { item, warm: true };
      return { item: await options.create(key), warm: false };
    },

    take: (key) => (draining ? undefined : idle.get(key)?.shift()),

    warm: refill,

    ready: (key) => idle.get(key)?.length ?? 0,

    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },

    async drain() {
      draining = true;
      await this.settled();
      const waiting = [...idle.values()].flat();
      idle.clear();
      await Promise.allSettled(waiting.map((item) => item.destroy()));
    },
  };
}

/** The pool key of a stack: sandboxes on the same layers (and the same spec) are interchangeable. */
export function stackKey(layers: readonly string[]): string {
  return layers.join(':');
}
