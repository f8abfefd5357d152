import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api-context.ts';
import { formatRate, formatUsageCost, plural } from '../format.ts';
import { pollMs, queryKeys } from '../query-client.ts';
import { evalPath, navigate } from '../router.ts';
import { ErrorBanner } from './error-banner.tsx';
import { EvalChart } from './eval-chart.tsx';
import { EvalStateBadge } from './eval-state-badge.tsx';
import { Link } from './link.tsx';

/** Every evaluation run, newest first, with a chart of resolve rate and cost per run. */
export function EvalList() {
  const api = useApi();
  const { data, error, isPending } = useQuery({
    queryKey: queryKeys.evals,
    queryFn: () => api.listEvals(),
    // Summaries are computed from every instance on each request: poll often only while a run moves.
    refetchInterval: (query) =>
      query.state.data?.runs.some(({ run }) => run.state === 'running') ? pollMs.evals : pollMs.evalsIdle,
  });
  const runs = data?.runs ?? [];

  return (
    <section>
      <div className="toolbar">
        <h1>Evaluations</h1>
        <span className="muted">{data ? plural(runs.length, 'run') : ''}</span>
      </div>
      <ErrorBanner error={error} />
      {data && runs.length === 0 ? (
        <div className="empty">
          No evaluation runs yet. Run <code>drydock eval tasks.jsonl</code> (or{' '}
          <code>drydock eval --builtin</code>) against this server's store: see docs/eval.md.
        </div>
      ) : (
        <>
          <EvalChart runs={runs} />
          <table className="eval-table evals stack-on-phone">
            <thead>
              <tr>
                <th>Name</th>
                <th>Model</th>
                <th>State</th>
                <th>Date</th>
                <th className="num">Done</th>
                <th className="num">Resolved</th>
                <th className="num">Bad deliveries</th>
                <th className="num">Precision</th>
                <th className="num">Cost</th>
                <th className="num">Per resolved</th>
              </tr>
            </thead>
            <tbody>
              {isPending && (
                <tr>
                  <td colSpan={10} className="muted">
                    Loading…
                  </td>
                </tr>
              )}
              {runs.map(({ run, summary }) => (
                <tr key={run.id} data-eval-id={run.id} onClick={() => navigate(evalPath(run.id))}>
                  <td data-label="Name" className="task-cell">
                    <Link to={evalPath(run.id)} title={run.dataset}>
                      {run.name}
                    </Link>
                  </td>
                  <td data-label="Model" className="mono" title={run.model}>
                    {run.model}
                  </td>
                  <td data-label="State">
                    <EvalStateBadge state={run.state} />
                  </td>
                  <td data-label="Date" title={new Date(run.createdAt).toLocaleString()}>
                    {new Date(run.createdAt).toLocaleDateString()}
                  </td>
                  <td data-label="Done" className="num" data-cell="done">
                    {summary.finished}/{run.total}
                  </td>
                  <td data-label="Resolved" className="num" data-cell="resolve-rate">
                    {formatRate(summary.resolveRate)}
                  </td>
                  <td data-label="Bad deliveries" className="num" data-cell="bad-delivery-rate">
                    {formatRate(summary.badDeliveryRate)}
                  </td>
                  <td data-label="Precision" className="num" data-cell="precision">
                    {formatRate(summary.precision)}
                  </td>
                  <td data-label="Cost" className="num" data-cell="cost">
                    {formatUsageCost({
                      costUsd: summary.costUsd,
                      ...(summary.costUnknown ? { costUnknown: true } : {}),
                    })}
                  </td>
                  <td data-label="Per resolved" className="num" data-cell="cost-per-resolved">
                    {summary.costPerResolvedUsd === null
                      ? '—'
                      : formatUsageCost({
                          costUsd: summary.costPerResolvedUsd,
                          ...(summary.costUnknown ? { costUnknown: true } : {}),
                        })}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
