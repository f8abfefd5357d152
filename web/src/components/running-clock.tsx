import { elapsedMs, formatElapsed } from '../times.ts';
import { useNow } from '../use-now.ts';

/** Seconds counting up from `since` (an event's time), for something still running. */
export function RunningClock({ since, className = 'muted small' }: { since: string; className?: string }) {
  const now = useNow(true);
  return (
    <span className={`running-clock ${className}`} data-testid="running-clock">
      {formatElapsed(elapsedMs(since, now))}
    </span>
  );
}
