import type { EvalInstance } from './eval.ts';

/** Counts and rates of an evaluation's finished instances. Rates are null while nothing is finished. */
export interface EvalSummary {
  total: number;
  /** Ended and, if delivered, graded. Rates are over these. */
  finished: number;
  delivered: number;
  resolved: number;
  /** Delivered and not resolved: the number drydock exists to keep at zero. */
  badDeliveries: number;
  bowedOut: number;
  failed: number;
  /** Delivered changes whose grading could not be done (counted as bad deliveries too). */
  gradingErrors: number;
  resolveRate: number | null;
  deliveredRate: number | null;
  /** Resolved ÷ delivered: how often a delivered change is right. */
  precision: number | null;
  badDeliveryRate: number | null;
  bowOutRate: number | null;
  costUsd: number;
  /** Some model call had no known price: the costs are lower bounds (shown as `$x + unknown`). */
  costUnknown: boolean;
  /** Null when nothing is resolved. */
  costPerResolvedUsd: number | null;
  inputTokens: number;
  outputTokens: number;
  /** Wall time of the finished instances (session start to end of grading); null without any. */
  wallMsP50: number | null;
  wallMsP95: number | null;
}

export interface EvalRepoSummary {
  repo: string;
  total: number;
  finished: number;
  delivered: number;
  resolved: number;
  badDeliveries: number;
  costUsd: number;
  costUnknown: boolean;
}

/** Ended and graded (a delivered change counts once its hidden tests have judged it). Pure. */
export function isFinished(instance: EvalInstance): boolean {
  if (instance.status === 'bowed_out' || instance.status === 'failed') return true;
  return instance.status === 'delivered' && instance.resolved !== null;
}

/** An instance delivered and not resolved by the hidden tests. Pure. */
export function isBadDelivery(instance: EvalInstance): boolean {
  return instance.status === 'delivered' && instance.resolved === false;
}

/** The summary of a run's instances. Pure. */
export function summarizeEval(instances: readonly EvalInstance[]): EvalSummary {
  const finished = instances.filter(isFinished);
  const count = (test: (instance: EvalInstance) => boolean) => finished.filter(test).length;
  const delivered = count((i) => i.status === 'delivered');
  const resolved = count((i) => i.resolved === true);
  const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);
  const costUsd = sum(instances.map((i) => i.usage.costUsd));
  const wall = finished
    .map((i) => i.wallMs)
    .filter((ms): ms is number => ms !== null)
    .sort((a, b) => a - b);
  const badDeliveries = count(isBadDelivery);
  const bowedOut = count((i) => i.status === 'bowed_out');
  return {
    total: instances.length,
    finished: finished.length,
    delivered,
    resolved,
    badDeliveries,
    bowedOut,
    failed: count((i) => i.status === 'failed'),
    gradingErrors: count((i) => i.status === 'delivered' && (i.grading?.error ?? null) !== null),
    resolveRate: rate(resolved, finished.length),
    deliveredRate: rate(delivered, finished.length),
    precision: rate(resolved, delivered),
    badDeliveryRate: rate(badDeliveries, finished.length),
    bowOutRate: rate(bowedOut, finished.length),
    costUsd,
    costUnknown: instances.some((i) => i.usage.costUnknown === true),
    costPerResolvedUsd: resolved === 0 ? null : costUsd / resolved,
    inputTokens: sum(instances.map((i) => i.usage.inputTokens)),
    outputTokens: sum(instances.map((i) => i.usage.outputTokens)),
    wallMsP50: percentile(wall, 50),
    wallMsP95: percentile(wall, 95),
  };
}

/** Per repository, in order of first appearance. Pure. */
export function summarizeByRepo(instances: readonly EvalInstance[]): EvalRepoSummary[] {
  const byRepo = new Map<string, EvalInstance[]>();
  for (const instance of instances) {
    const list = byRepo.get(instance.repo) ?? [];
    list.push(instance);
    byRepo.set(instance.repo, list);
  }
  return [...byRepo].map(([repo, list]) => {
    const summary = summarizeEval(list);
    return {
      repo,
      total: summary.total,
      finished: summary.finished,
      delivered: summary.delivered,
      resolved: summary.resolved,
      badDeliveries: summary.badDeliveries,
      costUsd: summary.costUsd,
      costUnknown: summary.costUnknown,
    };
  });
}

/** Nearest-rank percentile of sorted values; null for none. Pure. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
