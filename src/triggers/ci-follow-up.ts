import { z } from 'zod';
import type { CheckRun } from '../core/ports/forge.ts';
import { truncateText } from '../core/truncate.ts';

/** How many CI follow-up turns one session gets before drydock hands CI back to people. */
export const DEFAULT_CI_FOLLOW_UPS = 2;

/** Conclusions that mean the change broke something (cancelled, skipped, neutral and stale do not). */
const FAILING = new Set(['failure', 'timed_out', 'action_required', 'startup_failure']);

export type CiDecision =
  /** Checks are still running, or none reported yet. */
  | { action: 'wait' }
  /** Every check completed and none failed. */
  | { action: 'green' }
  /** Some failed: start a follow-up turn to fix them. */
  | { action: 'fix'; failing: CheckRun[]; attempt: number }
  /** Some failed, but the session already had its CI follow-ups: say so and stop. */
  | { action: 'cap_reached'; failing: CheckRun[] };

export function isFailing(run: CheckRun): boolean {
  return run.status === 'completed' && run.conclusion !== null && FAILING.has(run.conclusion);
}

/**
 * What to do about a pushed commit's check runs, given how many CI follow-ups the session already had.
 * Pure. It waits until every check completed, so one turn sees every failure at once.
 */
export function decideCi(runs: readonly CheckRun[], followUps: number, cap: number): CiDecision {
  if (runs.length === 0 || runs.some((run) => run.status !== 'completed')) return { action: 'wait' };
  const failing = runs.filter(isFailing);
  if (failing.length === 0) return { action: 'green' };
  if (followUps >= cap) return { action: 'cap_reached', failing };
  return { action: 'fix', failing, attempt: followUps + 1 };
}

/** The last `maxLines` lines of a log, at most `maxChars` characters, without timestamps' noise. Pure. */
export function logTail(log: string, maxLines = 80, maxChars = 4000): string {
  const lines = log.replace(/\r\n?/g, '\n').trimEnd().split('\n');
  return truncateText(lines.slice(-maxLines).join('\n'), maxChars, { keep: 'tail' });
}

export interface FailingCheck {
  name: string;
  conclusion: string;
  /** The log's tail (logTail). */
  log: string;
}

/** The follow-up message a CI fix turn starts with: failing checks and their log tails. Pure. */
export function ciFollowUpMessage(
  commit: string,
  checks: readonly FailingCheck[],
  attempt: number,
  cap: number,
): string {
  const parts = checks.map(
    (check) => `### ${check.name} (${check.conclusion})\n\n\`\`\`\n${check.log || '(no log)'}\n\`\`\``,
  );
  return [
    `CI failed on the pushed commit ${commit.slice(0, 12)} (CI fix ${attempt} of ${cap}). ` +
      'Fix the cause of these failing checks; the end of each log follows.',
    ...parts,
  ].join('\n\n');
}

/** What drydock says on the pull request. Pure. */
export function ciComment(
  decision: Extract<CiDecision, { action: 'fix' | 'cap_reached' }>,
  commit: string,
  cap: number,
): string {
  const names = decision.failing.map((run) => `\`${run.name}\``).join(', ');
  if (decision.action === 'fix') {
    return `drydock is fixing CI: ${names} failed on ${commit.slice(0, 12)} (attempt ${decision.attempt} of ${cap}).`;
  }
  return `drydock reached its limit of ${cap} CI fix${cap === 1 ? '' : 'es'} for this pull request: ${names} still fail on ${commit.slice(0, 12)}. Over to you.`;
}

const checkSuiteEvent = z.object({
  action: z.string(),
  check_suite: z.object({
    head_sha: z.string(),
    pull_requests: z.array(z.object({ number: z.number().int() })).default([]),
  }),
  repository: z.object({ full_name: z.string() }),
});
const checkRunEvent = z.object({
  action: z.string(),
  check_run: z.object({
    head_sha: z.string(),
    pull_requests: z.array(z.object({ number: z.number().int() })).default([]),
  }),
  repository: z.object({ full_name: z.string() }),
});

export interface CheckEvent {
  repo: string;
  sha: string;
  pulls: number[];
}

/**
 * A `check_suite` or `check_run` delivery that finished (`completed`): the commit whose checks to look
 * at. Anything else is null. Pure.
 */
export function parseCheckEvent(event: string, payload: unknown): CheckEvent | null {
  if (event === 'check_suite') {
    const parsed = checkSuiteEvent.safeParse(payload);
    if (!parsed.success || parsed.data.action !== 'completed') return null;
    const { check_suite: suite, repository } = parsed.data;
    return {
      repo: repository.full_name,
      sha: suite.head_sha,
      pulls: suite.pull_requests.map((p) => p.number),
    };
  }
  if (event === 'check_run') {
    const parsed = checkRunEvent.safeParse(payload);
    if (!parsed.success || parsed.data.action !== 'completed') return null;
    const { check_run: run, repository } = parsed.data;
    return { repo: repository.full_name, sha: run.head_sha, pulls: run.pull_requests.map((p) => p.number) };
  }
  return null;
}
