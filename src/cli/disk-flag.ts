import { BadInputError } from '../core/errors.ts';
import { DEFAULT_SANDBOX_LIMITS, resolveSandboxLimits } from '../sandbox/resource-limits.ts';

export const DISK_FLAG_HELP =
  'disk quota of the workspace (e.g. 20G; none: no quota; default: 10G for layered workspaces, none for clones)';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `10G`, `512M`, `1.5GiB`, `2147483648`: binary units, as df and du print them. Pure. */
export function parseByteSize(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(value.trim());
  if (!match) return null;
  const bytes = Math.round(Number(match[1]) * UNITS[match[2]!.toUpperCase()]!);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/**
 * The workspace disk quota from `--disk <size>` (or `DRYDOCK_DISK`): a size, or `none` for no quota.
 * Unset, layered workspaces get the default (10 GiB) and plain clones none: a clone's quota image
 * stays mounted after its run (for diffs and pulls) and copies the repository's objects instead of
 * hard-linking them, so it is asked for by name. Pure.
 */
export function diskLimit(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  layered: boolean,
): number | undefined {
  const value = (flag ?? env.DRYDOCK_DISK)?.trim();
  if (value === undefined || value === '') return layered ? DEFAULT_SANDBOX_LIMITS.diskBytes : undefined;
  if (value === 'none' || value === 'off') return undefined;
  const bytes = parseByteSize(value);
  if (bytes === null) {
    throw new BadInputError(
      'invalid_disk_limit',
      `--disk "${value}" is not a size: use a number with an optional unit (512M, 10G, 1.5T), or none for no quota.`,
    );
  }
  return resolveSandboxLimits({ diskBytes: bytes }).diskBytes;
}
