import { useQuery } from '@tanstack/react-query';
import { useApi } from '../api-context.ts';
import { formatDuration, formatRate, formatTokens, formatUsageCost } from '../format.ts';
import { pollMs, queryKeys } from '../query-client.ts';
import { sessionPath } from '../router.ts';
import type { EvalInstance, EvalRunDetail, TestTally } from '../types.ts';
import { ErrorBanner } from './error-banner.tsx';
import { EvalStateBadge } from './eval-state-badge.tsx';
import { Link } from './link.tsx';
import { StateBadge } from './state-badge.tsx';

/** One evaluation run: its settings and summary, per repository, and every instance with a link to its session. */
export function EvalRunPage({ id }: { id: string }) {
  const api = useApi();
  const { data, error } = useQuery({
    queryKey: queryKeys.evalRun(id),
    queryFn: () => api.getEval(id),
    // A finished run does not change; a running one is followed.
    refetchInterval: (query) => (query.state.data?.run.state === 'running' ? pollMs.evals : false),
  });

  return (
    <section>
      <div className="toolbar">
        <Link to="/evals">← Evaluations</Link>
      </div>
      <ErrorBanner error={error} />
      {data && (
        <>
          <EvalRunHeader detail={data} />
          <h2 className="section-title">Per repository</h2>
          <RepoTable detail={data} />
          <h2 className="section-title">Instances</h2>
          <InstanceTable instances={data.instances} />
        </>
      )}
    </section>
  );
}

function EvalRunHeader({ detail }: { detail: EvalRunDetail }) {
  const { run, summary } = detail;
  const figures: Array<[string, string, string]> = [
    ['done', 'done', `${summary.finished}/${run.total}`],
    ['resolve-rate', 'resolved', `${formatRate(summary.resolveRate)} (${summary.resolved})`],
    ['delivered-rate', 'delivered', `${formatRate(summary.deliveredRate)} (${summary.delivered})`],
    ['precision', 'precision', formatRate(summary.precision)],
    [
      'bad-delivery-rate',
      'bad deliveries',
      `${formatRate(summary.badDeliveryRate)} (${summary.badDeliveries})`,
    ],
    ['bow-out-rate', 'bowed out', `${formatRate(summary.bowOutRate)} (${summary.bowedOut})`],
    ['failed', 'failed', String(summary.failed)],
    ['grading-errors', 'grading errors', String(summary.gradingErrors)],
    [
      'cost',
      'cost',
      formatUsageCost({ costUsd: summary.costUsd, ...(summary.costUnknown ? { costUnknown: true } : {}) }),
    ],
    [
      'cost-per-resolved',
      'per resolved',
      summary.costPerResolvedUsd === null
        ? '—'
        : formatUsageCost({
            costUsd: summary.costPerResolvedUsd,
            ...(summary.costUnknown ? { costUnknown: true } : {}),
          }),
    ],
    [
      'tokens',
      'tokens',
      `${formatTokens(summary.inputTokens)} in · ${formatTokens(summary.outputTokens)} out`,
    ],
    [
      'wall',
      'time p50 / p95',
      summary.wallMsP50 === null || summary.wallMsP95 === null
        ? '—'
        : `${formatDuration(summary.wallMsP50)} / ${formatDuration(summary.wallMsP95)}`,
    ],
  ];
  return (
    <div className="session-header eval-header">
      <div className="session-title">
        <EvalStateBadge state={run.state} />
        <h1>{run.name}</h1>
      </div>
      <dl className="facts">
        <div>
          <dt>id</dt>
          <dd className="mono">{run.id}</dd>
        </div>
        <div>
          <dt>model</dt>
          <dd className="mono">{run.model}</dd>
        </div>
        {run.settings.reasoning && (
          <div>
            <dt>reasoning</dt>
            <dd>{run.settings.reasoning}</dd>
          </div>
        )}
        {run.settings.friendModel && (
          <div>
            <dt>friend</dt>
            <dd className="mono">{run.settings.friendModel}</dd>
          </div>
        )}
        <div>
          <dt>dataset</dt>
          <dd className="mono" title={run.dataset}>
            {run.dataset}
          </dd>
        </div>
        <div>
          <dt>started</dt>
          <dd>{new Date(run.createdAt).toLocaleString()}</dd>
        </div>
        <div>
          <dt>concurrency</dt>
          <dd className="num">{run.settings.concurrency}</dd>
        </div>
        <div>
          <dt>drydock</dt>
          <dd className="mono">{run.drydockVersion}</dd>
        </div>
      </dl>
      <dl className="facts eval-figures" data-testid="eval-summary">
        {figures.map(([key, label, value]) => (
          <div key={key} data-figure={key}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function RepoTable({ detail }: { detail: EvalRunDetail }) {
  return (
    <table className="eval-table eval-repos">
      <thead>
        <tr>
          <th>Repository</th>
          <th className="num">Instances</th>
          <th className="num">Done</th>
          <th className="num">Delivered</th>
          <th className="num">Resolved</th>
          <th className="num">Bad deliveries</th>
          <th className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {detail.repos.map((repo) => (
          <tr key={repo.repo} data-repo={repo.repo}>
            <td className="mono" title={repo.repo}>
              {repo.repo}
            </td>
            <td className="num">{repo.total}</td>
            <td className="num">{repo.finished}</td>
            <td className="num">{repo.delivered}</td>
            <td className="num">{repo.resolved}</td>
            <td className="num">{repo.badDeliveries}</td>
            <td className="num">
              {formatUsageCost({ costUsd: repo.costUsd, ...(repo.costUnknown ? { costUnknown: true } : {}) })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function InstanceTable({ instances }: { instances: EvalInstance[] }) {
  if (instances.length === 0) return <div className="empty">No instance has started yet.</div>;
  return (
    <table className="eval-table eval-instances">
      <thead>
        <tr>
          <th>Instance</th>
          <th>Status</th>
          <th>Resolved</th>
          <th className="num">F2P</th>
          <th className="num">P2P</th>
          <th>Reason</th>
          <th className="num">Steps</th>
          <th className="num">Cost</th>
          <th className="num">Time</th>
          <th>Session</th>
        </tr>
      </thead>
      <tbody>
        {instances.map((instance) => (
          <tr key={instance.instanceId} data-instance-id={instance.instanceId}>
            <td className="mono" title={`${instance.instanceId} (${instance.repo})`}>
              {instance.instanceId}
            </td>
            <td>
              <StateBadge state={instance.status} />
            </td>
            <td data-cell="resolved" className={resolvedClass(instance)}>
              {instance.resolved === null ? '—' : instance.resolved ? 'yes' : 'no'}
            </td>
            <td className="num" data-cell="f2p">
              {tally(instance.grading?.failToPass)}
            </td>
            <td className="num" data-cell="p2p">
              {tally(instance.grading?.passToPass)}
            </td>
            <td className="reason-cell" title={reasonOf(instance)}>
              {reasonOf(instance)}
            </td>
            <td className="num">{instance.steps}</td>
            <td className="num">{formatUsageCost(instance.usage)}</td>
            <td className="num">{instance.wallMs === null ? '—' : formatDuration(instance.wallMs)}</td>
            <td>
              {instance.sessionId === null ? (
                <span className="muted">—</span>
              ) : (
                <Link to={sessionPath(instance.sessionId)} className="mono">
                  {instance.sessionId}
                </Link>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function tally(counts: TestTally | undefined): string {
  return counts === undefined ? '—' : `${counts.passed}/${counts.total}`;
}

/** Why it bowed out or failed, else why grading could not be done, else the first test that did not pass. */
function reasonOf(instance: EvalInstance): string {
  const grading = instance.grading;
  return (
    instance.reason ??
    grading?.error ??
    (grading?.notPassing[0] ? `not passing: ${grading.notPassing[0]}` : '')
  );
}

function resolvedClass(instance: EvalInstance): string {
  if (instance.resolved === true) return 'ok-text';
  return instance.status === 'delivered' && instance.resolved === false ? 'error-text' : '';
}
