import type { Command } from 'commander';
import { BadInputError } from '../../core/errors.ts';
import { createLayerStore } from '../../environments/layer-store.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import { pruneLayers } from '../../sessions/workspace-gc.ts';
import { sweepLeftovers } from '../startup-sweep.ts';

export interface GcOptions {
  dryRun: boolean;
  /** Layers younger than this are kept (a snapshot is stored a moment before its checkpoint). */
  graceMs: number;
}

/**
 * `drydock gc`: the startup sweep (mounts, views, disk images and cgroups left by sessions that are
 * not running), then deletes the layers that no session's checkpoint and no environment image
 * references. `--dry-run` lists all of it and changes nothing.
 */
export async function runGc(
  deps: SessionDeps,
  options: GcOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  const would = options.dryRun ? 'would ' : '';
  const actions = await sweepLeftovers(deps, { dryRun: options.dryRun });
  for (const action of actions) {
    const failed = action.error === undefined ? '' : ` FAILED: ${action.error}`;
    out.write(`${would}${action.action} ${action.path}: ${action.reason}${failed}\n`);
  }
  const store = deps.layers?.store ?? (await createLayerStore(deps.home));
  const { removed, kept } = await pruneLayers(deps.store, store, {
    dryRun: options.dryRun,
    graceMs: options.graceMs,
  });
  for (const id of removed) out.write(`${would}remove layer ${id}\n`);
  const minutes = Math.round(options.graceMs / 60_000);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  out.write(
    `${plural(removed.length, 'layer')} ${options.dryRun ? 'would be removed' : 'removed'}, ${kept} kept ` +
      `(referenced by a checkpoint or an environment image, mounted, or younger than ${minutes} min); ` +
      `${plural(actions.length, 'leftover')} ${options.dryRun ? 'found' : 'cleaned up'}\n`,
  );
}

export function registerGcCommand(
  program: Command,
  embedded: () => Promise<SessionDeps>,
  out: NodeJS.WritableStream,
): void {
  program
    .command('gc')
    .description(
      'Clean up: unmount what crashed runs left, and delete layers no checkpoint or environment image references',
    )
    .option('--dry-run', 'list what would be removed, change nothing')
    .option('--grace-minutes <n>', 'keep layers stored less than this long ago', '60')
    .action(async (options: { dryRun?: boolean; graceMinutes: string }) => {
      const minutes = Number(options.graceMinutes);
      if (!Number.isInteger(minutes) || minutes < 0) {
        throw new BadInputError(
          'invalid_flag',
          `--grace-minutes must be a whole number of 0 or more, got ${options.graceMinutes}.`,
        );
      }
      const graceMs = minutes * 60_000;
      await runGc(await embedded(), { dryRun: options.dryRun ?? false, graceMs }, out);
    });
}
