import { UnavailableError } from '../core/errors.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import { type Check, detectChecks } from './checks.ts';

export interface DiscoverOptions {
  /** The checks `.drydock/config.yaml` declares (null: detect them). */
  configured: ReadonlyArray<{ name: 'test' | 'typecheck' | 'lint'; command: string }> | null;
  /** Where runners write their reports in the sandbox: this prefix + the check's name. */
  reportPrefix: string;
}

export interface DiscoveredChecks {
  checks: Check[];
  /** `node --version` in the sandbox (null: no node there). */
  nodeVersion: string | null;
  /** The root package.json, parsed (null: none, or not JSON). */
  packageJson: Record<string, unknown> | null;
}

/**
 * The repository's checks as they run in `sandbox`: the config's when it declares them, else
 * detected from the workspace's files (the real files: a check's command runs as the repository wrote
 * it) and the sandbox's Node, which decides the reporters node:test has.
 */
export async function discoverChecks(sandbox: Sandbox, options: DiscoverOptions): Promise<DiscoveredChecks> {
  const node = await sandbox.exec(['node', '--version'], { timeoutMs: 30_000 });
  const nodeVersion = node.exitCode === 0 ? node.output.trim() : null;
  const listed = await sandbox.exec(['git', '-c', 'safe.directory=*', 'ls-files', '-z'], {
    timeoutMs: 30_000,
  });
  // Without the list no check can be detected, and no checks would let the gate pass on the reviewer
  // alone: that is an error, not an empty repository. Declared checks need no list.
  if (listed.exitCode !== 0 && !options.configured) throw checksUnlisted(listed.exitCode, listed.output);
  const files = listed.exitCode === 0 ? listed.output.split('\0').filter((file) => file !== '') : [];
  let packageJson: Record<string, unknown> | null = null;
  if (files.includes('package.json') || listed.exitCode !== 0) {
    try {
      const parsed: unknown = JSON.parse((await sandbox.readFile('package.json')).toString('utf8'));
      packageJson =
        parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
    } catch {
      packageJson = null;
    }
  }
  if (options.configured) {
    const checks = options.configured.map(({ name, command }) => ({
      name,
      kind: name,
      command,
      source: `.drydock/config.yaml checks.${name}`,
    }));
    return { checks, nodeVersion, packageJson };
  }
  const scripts = packageJson?.scripts;
  const checks = detectChecks({
    files,
    packageJson: scripts !== null && typeof scripts === 'object' ? { scripts: stringsOnly(scripts) } : null,
    ...(nodeVersion ? { nodeVersion } : {}),
    reportPrefix: options.reportPrefix,
  });
  return { checks, nodeVersion, packageJson };
}

/** package.json scripts as written, without values that are not strings (a hostile file may hold anything). */
function stringsOnly(record: object): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** Why the repository's files could not be listed, and what to do: an image without git, mostly. */
function checksUnlisted(exitCode: number | null, output: string): UnavailableError {
  const missing = exitCode === 127;
  const why = missing
    ? 'the sandbox has no git (an image without it?)'
    : `\`git ls-files\` in the sandbox exited ${exitCode ?? 'on a signal'}: ${output.trim().slice(0, 300)}`;
  return new UnavailableError(
    'checks_unlisted',
    `Could not list the repository's files to find its checks: ${why}. drydock finds the checks with git in the sandbox; ${missing ? 'add git to the image, or ' : ''}declare the checks in .drydock/config.yaml (checks:, see docs/environments.md).`,
  );
}
