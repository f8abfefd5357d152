/** Releases a held lock. Calling it more than once has no further effect. */
export type Release = () => void;

export interface KeyedMutex {
  /** Resolves once every earlier holder of `key` has released it; callers are served in order. */
  acquire(key: string): Promise<Release>;
}

/** An in-process mutex per key. Keys with no holder and no waiter take no memory. */
export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<void>>();
  return {
    async acquire(key) {
      const previous = tails.get(key) ?? Promise.resolve();
      let unlock = (): void => {};
      const held = new Promise<void>((resolve) => {
        unlock = resolve;
      });
      const tail = previous.then(() => held);
      tails.set(key, tail);
      await previous;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        unlock();
        if (tails.get(key) === tail) tails.delete(key);
      };
    },
  };
}
