import { useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
}

/**
 * Loads `load()` now and every `intervalMs` while the tab is visible; a new `key` starts over. A slow
 * answer never overwrites a newer one.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, key: string): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: null, error: null, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` is the restart trigger; `load` is read through a ref
  useEffect(() => {
    let cancelled = false;
    let generation = 0;
    setState((s) => ({ ...s, loading: true }));
    const tick = async () => {
      if (document.visibilityState === 'hidden') return;
      const mine = ++generation;
      try {
        const data = await loadRef.current();
        if (!cancelled && mine === generation) setState({ data, error: null, loading: false });
      } catch (error) {
        if (!cancelled && mine === generation) setState((s) => ({ ...s, error, loading: false }));
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), intervalMs);
    document.addEventListener('visibilitychange', tick);
    return () => {
      cancelled = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [intervalMs, key]);

  return state;
}
