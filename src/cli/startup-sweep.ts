import type { SweepAction } from '../environments/workspace-sweep.ts';
import { sweepSandboxCgroups } from '../sandbox/cgroup-sweep.ts';
import { sweepSpareMounts } from '../sandbox/spare-mounts.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { sweepSessionLeftovers } from '../sessions/workspace-gc.ts';

/**
 * The mounts of spare sandboxes whose drydock is gone (spare-mounts.ts), as sweep actions. First:
 * their binds keep the workspaces they held in use, which the session sweep unmounts next.
 */
async function spareLeftovers(options: { dryRun?: boolean }): Promise<SweepAction[]> {
  return (await sweepSpareMounts(options)).map(({ dir, error }) => ({
    action: 'unmount',
    path: dir,
    reason: 'the mounts of a spare sandbox whose drydock is gone',
    ...(error === undefined ? {} : { error }),
  }));
}

/** Spare sandboxes' mounts and session leftovers, then the cgroups of sandboxes that are gone. */
export async function sweepLeftovers(
  deps: Pick<SessionDeps, 'store' | 'home'>,
  options: { dryRun?: boolean } = {},
): Promise<SweepAction[]> {
  const actions = [...(await spareLeftovers(options)), ...(await sweepSessionLeftovers(deps, options))];
  for (const dir of await sweepSandboxCgroups(options).catch(() => [])) {
    actions.push({ action: 'remove', path: dir, reason: 'the cgroup of a sandbox that is gone' });
  }
  return actions;
}

/**
 * At the start of `run`, `up` and `worker`: unmounts and removes what a crashed drydock left of
 * its spare sandboxes and of sessions that are not running (workspace-sweep.ts). Never stops drydock from starting: failures are
 * printed and skipped.
 */
export async function sweepAtStartup(
  deps: SessionDeps,
  err: NodeJS.WritableStream = process.stderr,
): Promise<void> {
  try {
    // Workspace leftovers are this data directory's and worth a line; empty cgroups of sandboxes that
    // are gone are the machine's (any drydock's), removed quietly.
    const cgroups = sweepSandboxCgroups().catch(() => []);
    const actions = [...(await spareLeftovers({})), ...(await sweepSessionLeftovers(deps))];
    await cgroups;
    const done = actions.filter((action) => action.error === undefined);
    if (done.length > 0) {
      err.write(
        `drydock: cleaned up ${done.length} leftover${done.length === 1 ? '' : 's'} of sessions that are not running ` +
          `(${done.map((action) => `${action.action} ${action.path}`).join(', ')})\n`,
      );
    }
    for (const failed of actions.filter((action) => action.error !== undefined)) {
      err.write(`drydock: could not ${failed.action} ${failed.path} (${failed.error}); it stays\n`);
    }
  } catch (error) {
    err.write(
      `drydock: cleaning up leftovers failed (${error instanceof Error ? error.message : String(error)})\n`,
    );
  }
}
