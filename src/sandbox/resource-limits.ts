import { BadInputError } from '../core/errors.ts';
import type { SandboxLimits } from '../core/ports/sandbox.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The limits of a sandbox whose spec sets none: generous for a build, small enough to protect the host. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<Required<SandboxLimits>> = {
  memoryBytes: 4 * GiB,
  pids: 1024,
  cpus: 2,
  wallTimeMs: 2 * 60 * 60 * 1000,
  tmpBytes: GiB,
  diskBytes: 10 * GiB,
};

/**
 * Below these the supervisor itself (a Node process of about 45 MiB and a dozen threads) cannot work,
 * so a smaller value is a mistake to report, not a limit to enforce.
 */
export const MIN_SANDBOX_LIMITS: Readonly<Required<SandboxLimits>> = {
  memoryBytes: 64 * MiB,
  pids: 32,
  cpus: 0.01,
  wallTimeMs: 1,
  tmpBytes: MiB,
  // ext4 needs room for its journal and metadata (MIN_DISK_BYTES in disk-quota.ts).
  diskBytes: 16 * MiB,
};

/** setTimeout fires at once beyond this (about 24.8 days). */
const MAX_WALL_TIME_MS = 2 ** 31 - 1;

export type ResolvedLimits = Readonly<Required<SandboxLimits>>;

function invalid(name: keyof SandboxLimits, value: number, rule: string): BadInputError {
  return new BadInputError('invalid_sandbox_limit', `limits.${name} must be ${rule}, got ${value}.`, {
    details: { limit: name, value },
  });
}

/** Fills in the defaults and validates every limit, so a NaN or a typo fails loudly instead of never applying. */
export function resolveSandboxLimits(limits: SandboxLimits = {}): ResolvedLimits {
  const resolved = { ...DEFAULT_SANDBOX_LIMITS };
  for (const name of ['memoryBytes', 'pids', 'wallTimeMs', 'tmpBytes', 'diskBytes'] as const) {
    const value = limits[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < MIN_SANDBOX_LIMITS[name]) {
      throw invalid(name, value, `an integer of at least ${MIN_SANDBOX_LIMITS[name]}`);
    }
    resolved[name] = value;
  }
  if (resolved.wallTimeMs > MAX_WALL_TIME_MS) {
    throw invalid('wallTimeMs', resolved.wallTimeMs, `at most ${MAX_WALL_TIME_MS} (about 24 days)`);
  }
  if (limits.cpus !== undefined) {
    if (!Number.isFinite(limits.cpus) || limits.cpus < MIN_SANDBOX_LIMITS.cpus) {
      throw invalid('cpus', limits.cpus, `a number of cores of at least ${MIN_SANDBOX_LIMITS.cpus}`);
    }
    resolved.cpus = limits.cpus;
  }
  return resolved;
}
