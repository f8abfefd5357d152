import { formatRate } from '../format.ts';
import type { AnalyticsReport } from '../types.ts';
import { BarsChart } from './analytics-charts.tsx';

const SEVERITIES = ['critical', 'major', 'minor', 'nit'] as const;
const NAMES: Record<string, string> = {
  critical: 'critical',
  major: 'major',
  minor: 'minor',
  nit: 'nit',
  verified: 'verified with evidence',
  downgraded: 'downgraded for want of evidence',
  dropped: 'dropped (its command passed)',
  fixed: 'fixed by a drydock fix session',
  resolved: 'gone on a later push',
  open: 'not acted on (yet)',
};

/**
 * The Reviews block of the Analytics page (docs/cost.md, "Analytics"): what review sessions found by severity,
 * how many of the critical and major claims drydock showed with evidence, and how many findings were acted on.
 */
export function ReviewsBlock({ review }: { review: AnalyticsReport['review'] }) {
  const { totals } = review;
  const found = SEVERITIES.reduce((sum, severity) => sum + totals.findings[severity], 0);
  const figures: Array<[string, string]> = [
    ['Reviews', String(totals.reviews)],
    ['Findings', String(found)],
    ['Verified share', formatRate(totals.verifiedShare)],
    ['Acted-on rate', formatRate(totals.actedOnRate)],
  ];
  return (
    <section className="analytics-reviews" data-reviews>
      <h2>Reviews</h2>
      <p className="muted small">
        Review sessions (reviews of changes) are counted here, not among the sessions above. A finding is
        acted on when a later review of its pull request found it gone, or a <code>@drydock fix this</code>{' '}
        session pushed its fix.
      </p>
      <dl className="analytics-figures">
        {figures.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <div className="analytics-grid">
        <BarsChart
          title="Review findings by severity"
          label="review-findings"
          rows={[
            { label: 'all reviews', values: { ...totals.findings } },
            ...review.breakdowns.repo
              .slice(0, 11)
              .map((group) => ({ label: group.key, values: { ...group.findings } })),
          ]}
          keys={SEVERITIES}
          names={NAMES}
        />
        <BarsChart
          title="Evidence and what became of the findings"
          label="review-outcomes"
          rows={[
            {
              label: 'critical/major claims',
              values: { verified: totals.verified, downgraded: totals.downgraded, dropped: totals.dropped },
            },
            {
              label: 'findings',
              values: {
                fixed: totals.fixedByDrydock,
                resolved: totals.actedOn - totals.fixedByDrydock,
                open: found - totals.actedOn,
              },
            },
          ]}
          keys={['verified', 'downgraded', 'dropped', 'fixed', 'resolved', 'open']}
          names={NAMES}
        />
      </div>
    </section>
  );
}
