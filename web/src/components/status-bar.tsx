import { formatTokens, formatUsageCost } from '../format.ts';
import { elapsedMs, formatElapsed } from '../times.ts';
import type { SessionDetail } from '../types.ts';
import { useNow } from '../use-now.ts';
import { StateBadge } from './state-badge.tsx';
import './live.css';

/**
 * A bar that stays in view while the session runs: its state, how long this turn has run, steps, tokens
 * and cost, from the session's own fields (reloaded as events come) and a clock ticking here.
 */
export function StatusBar({ session, since }: { session: SessionDetail; since: string }) {
  const now = useNow(true);
  const { usage } = session;
  return (
    <div className="status-bar" data-testid="status-bar" role="status" aria-live="off">
      <StateBadge state={session.state} />
      <span data-testid="status-elapsed" title={`since ${new Date(since).toLocaleString()}`}>
        {formatElapsed(elapsedMs(since, now))}
      </span>
      <span>
        {session.steps} {session.steps === 1 ? 'step' : 'steps'}
      </span>
      <span title="tokens in · out">
        {formatTokens(usage.inputTokens)} in · {formatTokens(usage.outputTokens)} out
      </span>
      <span>{formatUsageCost(usage)}</span>
    </div>
  );
}
