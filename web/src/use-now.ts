import { useEffect, useState } from 'react';

/**
 * The time now, in milliseconds, renewed every `intervalMs` while `ticking`: for elapsed times that
 * count up on screen. Each caller ticks on its own, so only what shows a running clock re-renders.
 */
export function useNow(ticking: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [ticking, intervalMs]);
  return now;
}
