import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useApi, useMe } from '../api-context.ts';
import { basename, formatTokens, formatUsageCost } from '../format.ts';
import { queryKeys } from '../query-client.ts';
import { canSteer } from '../steering.ts';
import type { Turn } from '../turns.ts';
import { isTerminalState, type SessionDetail, type StreamEvent } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import { InlineCode } from './inline-code.tsx';
import { PullInstructions } from './pull-instructions.tsx';
import { SessionTimesFacts } from './session-times.tsx';
import { StateBadge } from './state-badge.tsx';
import { TurnSummaries } from './turn-summaries.tsx';

const short = (commit: string | null) => (commit ? commit.slice(0, 10) : '…');

/** The session at a glance: state, where, what it cost, and how to stop it or pull its work. */
export function SessionHeader({
  session,
  events = [],
  turns = [],
}: {
  session: SessionDetail;
  /** The log so far: when the session ended. */
  events?: readonly StreamEvent[];
  /** More than one (follow-ups): the header tells each turn's outcome instead of only the last. */
  turns?: readonly Turn[];
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const cancelling = useMutation({
    mutationFn: () => api.cancelSession(session.id),
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.session(session.id) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.sessions }),
      ]),
  });
  const live = !isTerminalState(session.state);
  const steerable = canSteer(useMe(), session);

  useEffect(() => {
    if (!confirming) return;
    const timer = setTimeout(() => setConfirming(false), 4000);
    return () => clearTimeout(timer);
  }, [confirming]);

  const cancel = () => {
    if (!confirming) {
      setConfirming(true);
      return;
    }
    setConfirming(false);
    cancelling.mutate();
  };

  const { usage } = session;
  return (
    <header className="session-header">
      <div className="session-title">
        <StateBadge state={session.state} />
        <h1 title={session.task}>
          <InlineCode text={session.task.split('\n', 1)[0] ?? ''} />
        </h1>
        <span className="spacer" />
        {live && steerable && (
          <button type="button" className={`button small ${confirming ? 'danger' : ''}`} onClick={cancel}>
            {confirming ? 'Confirm cancel' : 'Cancel'}
          </button>
        )}
      </div>
      <ErrorBanner error={cancelling.error} />
      <dl className="facts">
        <div>
          <dt>id</dt>
          <dd className="mono">{session.id}</dd>
        </div>
        <div>
          <dt>repo</dt>
          <dd className="mono" title={session.repo}>
            {basename(session.repo)}
          </dd>
        </div>
        <div>
          <dt>branch</dt>
          <dd className="mono" data-testid="branch">
            {session.branch ?? <span className="muted">{live ? 'not yet' : 'none'}</span>}
          </dd>
        </div>
        <div>
          <dt>commits</dt>
          <dd className="mono" title={`${session.baseCommit ?? ''}..${session.headCommit ?? ''}`}>
            {session.ref ? `${session.ref} ` : ''}
            {short(session.baseCommit)}
            {session.headCommit ? `..${short(session.headCommit)}` : ''}
          </dd>
        </div>
        {session.createdBy && (
          <div>
            <dt>started by</dt>
            <dd data-testid="created-by" title={session.createdBy.id}>
              {session.createdBy.name}
            </dd>
          </div>
        )}
        <SessionTimesFacts session={session} events={events} />
        <div>
          <dt>model</dt>
          <dd className="mono">{session.model}</dd>
        </div>
        <div>
          <dt>steps</dt>
          <dd className="num">{session.steps}</dd>
        </div>
        <div>
          <dt>tokens</dt>
          <dd
            className="num"
            title={`${usage.inputTokens} in (${usage.cacheReadTokens ?? 0} read from cache, ${usage.cacheWriteTokens ?? 0} written to it), ${usage.outputTokens} out (${usage.reasoningTokens ?? 0} reasoning)`}
          >
            {formatTokens(usage.inputTokens)} in · {formatTokens(usage.outputTokens)} out
          </dd>
        </div>
        <div>
          <dt>cost</dt>
          <dd className="num">{formatUsageCost(usage)}</dd>
        </div>
      </dl>
      {turns.length > 1 && <TurnSummaries turns={turns} />}
      {turns.length <= 1 && session.summary && session.state === 'delivered' && (
        <p className="outcome ok">
          <strong>Summary</strong> <InlineCode text={session.summary} />
        </p>
      )}
      {turns.length <= 1 && session.reason && !live && session.state !== 'delivered' && (
        <p className="outcome bad">
          <strong>{session.state === 'bowed_out' ? 'Bowed out' : session.state}</strong>{' '}
          <InlineCode text={session.reason} />
        </p>
      )}
      {session.branch && <PullInstructions session={session} />}
    </header>
  );
}
