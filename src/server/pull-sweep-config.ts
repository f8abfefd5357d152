import { BadInputError } from '../core/errors.ts';

/** DRYDOCK_PULL_SWEEP_MINUTES when unset: twice an hour. */
export const DEFAULT_PULL_SWEEP_MINUTES = 30;

/**
 * DRYDOCK_PULL_SWEEP_MINUTES: unset or empty is the default; 0 turns the sweep off (null); else a positive
 * number of minutes. Pure.
 */
export function pullSweepMinutes(value: string | undefined): number | null {
  if (value === undefined || value.trim() === '') return DEFAULT_PULL_SWEEP_MINUTES;
  const minutes = Number(value);
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new BadInputError(
      'invalid_pull_sweep',
      `DRYDOCK_PULL_SWEEP_MINUTES must be a number of minutes (0 turns the sweep off), got "${value}".`,
    );
  }
  return minutes === 0 ? null : minutes;
}
