import { Cron } from 'croner';
import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import { PLAYBOOK_NAME } from '../core/playbook.ts';
import type { SessionState } from '../core/session-state.ts';
import { TriggerCreator } from './trigger-creator.ts';

/** A schedule's configuration (stored as a trigger of kind `schedule`). */
export const ScheduleConfig = z.object({
  cron: z.string().min(1),
  timezone: z.string().default('UTC'),
  /** A forge repository (`owner/name`) or a local path. */
  repo: z.string().min(1),
  task: z.string().min(1).max(100_000),
  model: z.string().optional(),
  /** A playbook to run (docs/playbooks.md), with `task` as the note after its steps; checked at each run. */
  playbook: z.string().regex(PLAYBOOK_NAME, 'a playbook name: lowercase letters, digits, _ and -').optional(),
  inputs: z.record(z.string(), z.string().max(10_000)).optional(),
  paused: z.boolean().default(false),
  pausedReason: z.string().nullable().default(null),
  /** The last due time drydock acted on (ISO 8601); runs start after it. */
  lastDueAt: z.string().nullable().default(null),
  createdBy: TriggerCreator.optional(),
});
export type ScheduleConfig = z.infer<typeof ScheduleConfig>;

export const AUTO_PAUSE_FAILURES = 3;

/**
 * Throws BadInputError `invalid_cron` for a cron expression or time zone croner refuses, naming the field
 * (`cron` or `timezone`) with the problem in words, never an exception's own name.
 */
export function validateCron(cron: string, timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch (error) {
    const problem = 'not a time zone drydock knows: use an IANA name such as Europe/Berlin, or UTC';
    throw new BadInputError(
      'invalid_cron',
      `"${timezone}" makes this not a valid schedule: it is ${problem}.`,
      {
        cause: error,
        details: { fields: { timezone: problem } },
      },
    );
  }
  try {
    new Cron(cron, { timezone, paused: true }).nextRun();
  } catch (error) {
    const problem = cronProblem(error);
    throw new BadInputError('invalid_cron', `"${cron}" is not a valid schedule: ${problem}.`, {
      cause: error,
      details: { fields: { cron: problem } },
    });
  }
}

/** What croner found wrong, in words: its message without the class and the prefix it adds. Pure. */
export function cronProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/exactly five, six, or seven/.test(message)) {
    return 'a cron expression has five fields, minute hour day month weekday, e.g. 0 3 * * * for 03:00 every day';
  }
  const text = message.replace(/^Cron\w*:\s*/, '').replace(/\.$/, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * The latest due time in (`after`, `now`], or null. Pure. Missed runs (the server was down) collapse
 * into one: a schedule runs once for the most recent time it was due, never a burst of catch-up runs.
 */
export function dueTime(cron: string, timezone: string, after: Date, now: Date): Date | null {
  const job = new Cron(cron, { timezone, paused: true });
  let due: Date | null = null;
  let cursor = job.nextRun(after);
  while (cursor && cursor.getTime() <= now.getTime()) {
    due = cursor;
    cursor = job.nextRun(cursor);
  }
  return due;
}

export type RunOutcome = 'success' | 'failure' | 'pending';

/** A run's outcome from its session's state. Pure. Cancelled runs count neither way. */
export function runOutcome(state: SessionState | null): RunOutcome | null {
  if (state === 'delivered') return 'success';
  if (state === 'failed' || state === 'bowed_out' || state === null) return 'failure';
  if (state === 'cancelled') return null;
  return 'pending';
}

/** Whether a schedule should pause: its last `limit` finished runs, newest last, all failed. Pure. */
export function shouldAutoPause(
  outcomes: readonly (RunOutcome | null)[],
  limit = AUTO_PAUSE_FAILURES,
): boolean {
  const finished = outcomes.filter(
    (outcome): outcome is 'success' | 'failure' => outcome === 'success' || outcome === 'failure',
  );
  const last = finished.slice(-limit);
  return last.length === limit && last.every((outcome) => outcome === 'failure');
}
