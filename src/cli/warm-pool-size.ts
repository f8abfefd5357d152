import { BadInputError } from '../core/errors.ts';

/** More would keep that many idle sandboxes (memory, a mount and a disk image each) per environment. */
export const MAX_WARM_POOL = 32;

/**
 * `DRYDOCK_WARM_POOL`: started sandboxes kept per environment image. Unset, `fallback`: 1 for the
 * long-lived `up` and `worker`, 0 for one-shot `run` and `demo` (nobody would take what they start).
 * Pure.
 */
export function warmPoolSize(env: NodeJS.ProcessEnv, fallback: number): number {
  const value = (env.DRYDOCK_WARM_POOL ?? '').trim();
  if (value === '') return fallback;
  const size = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(size) || size > MAX_WARM_POOL) {
    throw new BadInputError(
      'invalid_warm_pool',
      `DRYDOCK_WARM_POOL="${value}" is not a pool size: use a whole number from 0 (no warm pool) to ${MAX_WARM_POOL}, ` +
        'the started sandboxes kept per environment image.',
    );
  }
  return size;
}
