import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useMemo, useState } from 'react';
import { useApi, useMe } from '../api-context.ts';
import { attemptsOf, checkPassed } from '../outcome.ts';
import { queryKeys } from '../query-client.ts';
import { navigate, sessionPath } from '../router.ts';
import { canSteer } from '../steering.ts';
import type { SessionDetail, StreamEvent } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import './outcome.css';

const ENDED_WITHOUT_CHANGE = new Set(['bowed_out', 'failed', 'cancelled']);

const STOPS: Record<string, string> = {
  finished: 'finished',
  gave_up: 'gave up',
  budget_exhausted: 'ran out of budget',
  loop_detected: 'repeated a failing call',
  model_error: 'model error',
  refused: 'refused',
  cancelled: 'cancelled',
};

/** What was tried, from the session's events: the coder's attempts, the checks, the gate, the reviewer. */
function WhatWasTried({ events }: { events: readonly StreamEvent[] }) {
  const attempts = useMemo(() => attemptsOf(events), [events]);
  const nothing =
    attempts.stops.length === 0 &&
    attempts.checks === null &&
    attempts.verdicts.length === 0 &&
    attempts.findings.length === 0 &&
    attempts.blockedHosts.length === 0;
  if (nothing) return <p className="muted small">It stopped before the agent tried anything.</p>;
  return (
    <div className="tried" data-testid="what-was-tried">
      {attempts.stops.length > 0 && (
        <ol className="tried-list">
          {attempts.stops.map((stop, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: attempts have no identity beyond their order
            <li key={i}>
              <strong>Attempt {i + 1}:</strong> {STOPS[stop.outcome] ?? stop.outcome}
              {stop.detail ? ` — ${stop.detail}` : ''}
            </li>
          ))}
        </ol>
      )}
      {attempts.verdicts.length > 0 && (
        <ul className="tried-list">
          {attempts.verdicts.map((verdict) => (
            <li key={verdict.round}>
              <strong>Verification round {verdict.round}:</strong>{' '}
              <span className={verdict.passed ? 'ok-text' : 'bad-text'}>
                {verdict.passed ? 'passed' : 'failed'}
              </span>
              {verdict.problems.length > 0 && ` — ${verdict.problems.join('; ')}`}
            </li>
          ))}
        </ul>
      )}
      {attempts.checks && attempts.checks.length > 0 && (
        <table className="tried-checks">
          <caption className="small muted">Checks after the change, as last run</caption>
          <tbody>
            {attempts.checks.map((check) => (
              <tr key={check.name} data-check={check.name}>
                <th scope="row" className="mono">
                  {check.name}
                </th>
                <td className={checkPassed(check) ? 'ok-text' : 'bad-text'}>
                  {check.timedOut
                    ? 'timed out'
                    : checkPassed(check)
                      ? 'passed'
                      : `failed (exit ${check.exitCode})`}
                </td>
                <td className="muted small">
                  {check.tests
                    ? `${check.tests.passed} passed, ${check.tests.failed} failed, ${check.tests.skipped} skipped`
                    : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {attempts.findings.length > 0 && (
        <ul className="tried-list">
          {attempts.findings.map((finding) => (
            <li key={finding.id}>
              <strong>Reviewer ({finding.severity}):</strong>{' '}
              <span className="mono">
                {finding.file}
                {finding.line ? `:${finding.line}` : ''}
              </span>{' '}
              — {finding.explanation}
            </li>
          ))}
        </ul>
      )}
      {attempts.blockedHosts.length > 0 && (
        <p className="small" data-testid="blocked-hosts">
          <strong>Network:</strong> the sandbox refused{' '}
          {attempts.blockedHosts.map((host, i) => (
            <span key={host}>
              {i > 0 && ', '}
              <code>{host}</code>
            </span>
          ))}
          , which this repository's policy does not allow.
        </p>
      )}
    </div>
  );
}

/**
 * A session that ended without a change: what it tried, and what to do next. "Retry with changes" opens
 * its task for editing and starts a new session; "Allow … and rerun" starts one whose sandbox may reach the
 * hosts this one was refused (the server accepts only those).
 */
export function OutcomeActions({
  session,
  events,
}: {
  session: SessionDetail;
  events: readonly StreamEvent[];
}) {
  const api = useApi();
  const queryClient = useQueryClient();
  const steerable = canSteer(useMe(), session);
  const [editing, setEditing] = useState(false);
  const [task, setTask] = useState(session.task);
  const blocked = useMemo(() => attemptsOf(events).blockedHosts, [events]);
  const rerun = useMutation({
    mutationFn: (input: { task: string; allowHosts?: string[] }) => api.retrySession(session.id, input),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: queryKeys.sessions });
      navigate(sessionPath(created.id));
    },
  });

  if (!ENDED_WITHOUT_CHANGE.has(session.state)) return null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (task.trim() === '' || rerun.isPending) return;
    rerun.mutate({ task: task.trim() });
  };

  return (
    <section
      className="outcome-panel"
      data-testid="outcome-actions"
      aria-label="What was tried, and what next"
    >
      {/* An attempts session tries nothing itself: each attempt's card below says what it tried. */}
      {session.kind !== 'attempts' && (
        <details open={session.state === 'bowed_out'}>
          <summary>
            <strong>What was tried</strong>
          </summary>
          <WhatWasTried events={events} />
        </details>
      )}
      <ErrorBanner error={rerun.error} />
      {steerable && !editing && (
        <div className="outcome-buttons">
          <button type="button" className="button small" onClick={() => setEditing(true)}>
            Retry with changes
          </button>
          {blocked.length > 0 && (
            <button
              type="button"
              className="button small primary"
              disabled={rerun.isPending}
              onClick={() => rerun.mutate({ task: session.task, allowHosts: blocked })}
            >
              Allow {blocked.join(', ')} and rerun
            </button>
          )}
        </div>
      )}
      {steerable && editing && (
        <form className="retry-form" onSubmit={submit}>
          <label htmlFor="retry-task">Task for the new session</label>
          <textarea id="retry-task" rows={5} value={task} onChange={(e) => setTask(e.target.value)} />
          <p className="small muted">
            A new session on the same repository, from the same commit, with the same models; this one stays
            as it is.
          </p>
          <div className="outcome-buttons">
            <button
              type="submit"
              className="button small primary"
              disabled={rerun.isPending || task.trim() === ''}
            >
              {rerun.isPending ? 'Starting…' : 'Start new session'}
            </button>
            <button type="button" className="button small ghost" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
