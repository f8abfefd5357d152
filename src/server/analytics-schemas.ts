import { z } from 'zod';

const rate = z.number().nullable();
const findings = z.object({ critical: z.number(), major: z.number(), minor: z.number(), nit: z.number() });

/** AnalyticsTotals (src/core/analytics.ts). */
const totals = {
  sessions: z.number(),
  outcomes: z.object({
    delivered: z.number(),
    bowed_out: z.number(),
    failed: z.number(),
    cancelled: z.number(),
    running: z.number(),
  }),
  deliveryRate: rate.meta({ description: 'Delivered ÷ ended; null when none ended' }),
  pulls: z.object({ merged: z.number(), closed: z.number() }),
  mergeRate: rate.meta({ description: 'Merged ÷ pull requests the forge reported merged or closed' }),
  costUsd: z.number(),
  costUnknown: z.boolean(),
  costPerDeliveredUsd: rate,
  costPerMergedUsd: rate,
  timeToPrMs: z.object({ p50: rate, p95: rate }),
  gateCatches: z.number().meta({ description: 'Failing gate verdicts, attempts and children included' }),
  findings,
};

export const analyticsTotalsSchema = z.object(totals).meta({ id: 'AnalyticsTotals' });
const keyed = z.object({ key: z.string(), ...totals });

/** ReviewTotals (src/core/review-analytics.ts). */
const reviewTotals = {
  reviews: z.number(),
  findings: findings.meta({ description: 'Findings the review sessions reported, by severity' }),
  verified: z
    .number()
    .meta({ description: 'Findings whose evidence drydock ran and that showed the defect' }),
  downgraded: z.number().meta({ description: 'Findings lowered one severity for want of evidence' }),
  dropped: z.number().meta({ description: "Findings dropped: the reviewer's own command passed" }),
  actedOn: z.number().meta({
    description:
      'Findings a later review found gone, or a `@drydock fix this` session fixed (docs/review.md)',
  }),
  fixedByDrydock: z
    .number()
    .meta({ description: 'Of those acted on, the ones a `@drydock fix this` session fixed' }),
  verifiedShare: rate.meta({ description: 'Verified ÷ (verified + downgraded + dropped); null for none' }),
  actedOnRate: rate.meta({ description: 'Acted on ÷ findings; null for none' }),
};
export const reviewTotalsSchema = z.object(reviewTotals).meta({ id: 'ReviewTotals' });
const keyedReviews = z.object({ key: z.string(), ...reviewTotals });

export const analyticsReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    filters: z.object({
      repo: z.string().optional(),
      model: z.string().optional(),
      trigger: z.string().optional(),
    }),
    totals: analyticsTotalsSchema,
    days: z.array(z.object({ day: z.string(), ...totals })),
    breakdowns: z.object({ repo: z.array(keyed), model: z.array(keyed), trigger: z.array(keyed) }),
    choices: z.object({
      repo: z.array(z.string()),
      model: z.array(z.string()),
      trigger: z.array(z.string()),
    }),
    reviews: z.number(),
    review: z.object({
      totals: reviewTotalsSchema,
      days: z.array(z.object({ day: z.string(), ...reviewTotals })),
      breakdowns: z.object({
        repo: z.array(keyedReviews),
        model: z.array(keyedReviews),
        trigger: z.array(keyedReviews),
      }),
    }),
  })
  .meta({ id: 'AnalyticsReport' });
