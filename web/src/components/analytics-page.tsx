import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../api-context.ts';
import { formatCost, formatDuration, formatRate } from '../format.ts';
import { queryKeys } from '../query-client.ts';
import { navigate } from '../router.ts';
import type { AnalyticsReport } from '../types.ts';
import { BarsChart, BreakdownChart, LineChart, OutcomeChart } from './analytics-charts.tsx';
import { ReviewsBlock } from './analytics-reviews.tsx';
import { ErrorBanner } from './error-banner.tsx';

const FILTERS = ['from', 'to', 'repo', 'model', 'trigger'] as const;
type Filter = (typeof FILTERS)[number];
type Filters = Partial<Record<Filter, string>>;

const SEVERITY_NAMES = {
  critical: 'critical',
  major: 'major',
  minor: 'minor',
  nit: 'nit',
  gate: 'gate catches',
};

/** The filters in the page's address (`/analytics?from=…&repo=…`), so a view can be shared. */
function readFilters(): Filters {
  const params = new URLSearchParams(location.search);
  const filters: Filters = {};
  for (const key of FILTERS) {
    const value = params.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

function queryOf(filters: Filters): string {
  const params = new URLSearchParams();
  for (const key of FILTERS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  return params.toString();
}

/** Outcome analytics (docs/cost.md, "Analytics"): charts over a range of days, filters, a CSV download. */
export function AnalyticsPage() {
  const api = useApi();
  const [filters, setFilters] = useState(readFilters);
  const query = queryOf(filters);
  const { data, error } = useQuery({
    queryKey: queryKeys.analytics(query),
    queryFn: () => api.getAnalytics(query),
  });
  const [csvError, setCsvError] = useState<unknown>(null);

  const change = (key: Filter, value: string) => {
    const next = { ...filters, [key]: value || undefined };
    setFilters(next);
    const search = queryOf(next);
    navigate(`/analytics${search ? `?${search}` : ''}`, true);
  };

  const download = async (event: React.MouseEvent<HTMLAnchorElement>) => {
    event.preventDefault();
    try {
      const blob = await api.analyticsCsv(query);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `drydock-analytics-${data?.from ?? ''}-${data?.to ?? ''}.csv`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setCsvError(null);
    } catch (caught) {
      setCsvError(caught);
    }
  };

  return (
    <section className="analytics">
      <div className="toolbar">
        <h1>Analytics</h1>
        <span className="spacer" />
        <a className="button small" href={`/api/analytics.csv?${query}`} onClick={download} data-csv-link>
          Download CSV
        </a>
      </div>
      <form className="analytics-filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          From
          <input
            type="date"
            name="from"
            value={filters.from ?? data?.from ?? ''}
            onChange={(e) => change('from', e.target.value)}
          />
        </label>
        <label>
          To
          <input
            type="date"
            name="to"
            value={filters.to ?? data?.to ?? ''}
            onChange={(e) => change('to', e.target.value)}
          />
        </label>
        {(['repo', 'model', 'trigger'] as const).map((key) => (
          <label key={key}>
            {key === 'repo' ? 'Repository' : key === 'model' ? 'Model' : 'Trigger'}
            <select name={key} value={filters[key] ?? ''} onChange={(e) => change(key, e.target.value)}>
              <option value="">all</option>
              {[...new Set([...(data?.choices[key] ?? []), ...(filters[key] ? [filters[key]] : [])])].map(
                (choice) => (
                  <option key={choice} value={choice}>
                    {choice}
                  </option>
                ),
              )}
            </select>
          </label>
        ))}
      </form>
      <ErrorBanner error={error ?? csvError} />
      {data && data.totals.sessions === 0 && data.reviews === 0 && (
        <div className="empty" data-empty>
          Nothing yet: no sessions were started from {data.from} to {data.to}
          {Object.keys(data.filters).length > 0 ? ' that match these filters' : ''}. Sessions appear here once
          they run; merges once GitHub reports them.
        </div>
      )}
      {data && data.totals.sessions > 0 && <Report report={data} />}
      {data && data.reviews > 0 && <ReviewsBlock review={data.review} />}
    </section>
  );
}

function Report({ report }: { report: AnalyticsReport }) {
  const { totals } = report;
  const figures: Array<[string, string]> = [
    ['Sessions', String(totals.sessions)],
    ['Delivery rate', formatRate(totals.deliveryRate)],
    ['Merge rate', formatRate(totals.mergeRate)],
    [
      'Cost per delivered',
      totals.costPerDeliveredUsd === null ? '–' : formatCost(totals.costPerDeliveredUsd),
    ],
    ['Cost per merged', totals.costPerMergedUsd === null ? '–' : formatCost(totals.costPerMergedUsd)],
    [
      'Time to PR p50 / p95',
      totals.timeToPrMs.p50 === null || totals.timeToPrMs.p95 === null
        ? '–'
        : `${formatDuration(totals.timeToPrMs.p50)} / ${formatDuration(totals.timeToPrMs.p95)}`,
    ],
  ];
  const minutes = (ms: number | null) => (ms === null ? null : ms / 60_000);
  return (
    <>
      <dl className="analytics-figures">
        {figures.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {totals.costUnknown && (
        <p className="muted small">Some calls had no known price: costs are lower bounds.</p>
      )}
      <div className="analytics-grid">
        <OutcomeChart report={report} />
        <LineChart
          report={report}
          title="Delivery and merge rate per day"
          label="rates"
          max={1}
          format={(value) => `${Math.round(value * 100)}%`}
          lines={[
            {
              name: 'delivery rate',
              className: 'rate-delivery',
              values: report.days.map((day) => day.deliveryRate),
            },
            { name: 'merge rate', className: 'rate-merge', values: report.days.map((day) => day.mergeRate) },
          ]}
        />
        <LineChart
          report={report}
          title="Cost per day"
          label="cost"
          format={formatCost}
          lines={[
            {
              name: 'all sessions',
              className: 'cost-all',
              values: report.days.map((day) => (day.sessions > 0 ? day.costUsd : null)),
            },
            {
              name: 'per delivered change',
              className: 'cost-delivered',
              values: report.days.map((day) => day.costPerDeliveredUsd),
            },
          ]}
        />
        <LineChart
          report={report}
          title="Time to PR per day (minutes)"
          label="time-to-pr"
          format={(value) => `${Math.round(value)}m`}
          lines={[
            {
              name: 'p50',
              className: 'time-p50',
              values: report.days.map((day) => minutes(day.timeToPrMs.p50)),
            },
            {
              name: 'p95',
              className: 'time-p95',
              values: report.days.map((day) => minutes(day.timeToPrMs.p95)),
            },
          ]}
        />
        <BarsChart
          title="What the gate and the reviewer caught"
          label="findings"
          rows={[
            { label: 'reviewer findings', values: { ...totals.findings } },
            { label: 'gate catches', values: { gate: totals.gateCatches } },
          ]}
          keys={['critical', 'major', 'minor', 'nit', 'gate']}
          names={SEVERITY_NAMES}
        />
        <BreakdownChart title="Per repository" label="by-repo" groups={report.breakdowns.repo} />
        <BreakdownChart title="Per model" label="by-model" groups={report.breakdowns.model} />
        <BreakdownChart title="Per trigger" label="by-trigger" groups={report.breakdowns.trigger} />
      </div>
    </>
  );
}
