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
  })
  .meta({ id: 'AnalyticsReport' });
