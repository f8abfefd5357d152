import type { SandboxSpec } from '../core/ports/sandbox.ts';
import type { Launched, SpareStart } from './bubblewrap-start.ts';
import { attachWorkspace, createSpareMounts, releaseSpareMounts, type SpareMounts } from './spare-mounts.ts';
import { createSpares, type SpareItem } from './spares.ts';
import type { SupervisedSandbox } from './supervised-sandbox.ts';
import type { WorkspaceView } from './workspace-view.ts';

/**
 * Which spares fit `spec`: specs that differ only in their workspace and session share one. Null when
 * none is kept for it: no spares, not root (a spare takes mounts), or network egress (its proxy is
 * its own). Pure.
 */
export function spareKey(spec: SandboxSpec, spareCount: number, root: boolean): string | null {
  if (spareCount === 0 || !root || spec.network !== undefined) return null;
  const sorted = (record: object = {}) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1));
  const rootFs = spec.root === undefined ? null : [spec.root.path, sorted(spec.root.env)];
  return JSON.stringify([sorted(spec.limits), sorted(spec.env), rootFs]);
}

/** How a sandbox is started: the provider's start (bubblewrap-start.ts) with its context bound. */
export type StartSandbox = (
  spec: SandboxSpec,
  view: WorkspaceView,
  idPrefix: string,
  spare?: SpareStart,
) => Promise<Launched>;

/** A started sandbox on an empty mount point, waiting for its workspace. */
interface Spare extends SpareItem {
  mounts: SpareMounts;
  launched: Launched;
}

export interface BubblewrapSpares {
  /**
   * `spec`'s sandbox made of a spare, with the workspace of `view` mounted into it; undefined when no
   * spare is ready or the hand-off failed (the spare is destroyed then): the caller starts one as usual.
   */
  handOver(spec: SandboxSpec, view: WorkspaceView): Promise<SupervisedSandbox | undefined>;
  /** Resolves when no spare is starting. */
  settled(): Promise<void>;
  /** Stops keeping spares and destroys those waiting. Idempotent. */
  drain(): Promise<void>;
}

/** `count` spare sandboxes per key (spareKey), started by `start` on a mount point of their own. */
export function createBubblewrapSpares(count: number, start: StartSandbox): BubblewrapSpares {
  const spares = createSpares(count, async (spec: SandboxSpec): Promise<Spare> => {
    const mounts = await createSpareMounts();
    try {
      const launched = await start(
        { ...spec, sessionId: 'spare', workspacePath: mounts.point },
        { path: mounts.point, readOnlyPaths: [] },
        'spare',
        { onEnded: () => releaseSpareMounts(mounts) },
      );
      return { mounts, launched, alive: () => !launched.ended(), destroy: () => launched.destroy() };
    } catch (error) {
      await releaseSpareMounts(mounts).catch(() => {});
      throw error;
    }
  });

  return {
    async handOver(spec, view) {
      const key = spareKey(spec, count, process.getuid?.() === 0);
      if (key === null) return undefined;
      const taken = spares.take(key, spec);
      if (taken === undefined) return undefined;
      try {
        await attachWorkspace(taken.mounts, view.path, view.readOnlyPaths);
        return await taken.launched.finish(view);
      } catch {
        // Started as usual instead; the spare goes.
        await taken.destroy();
        return undefined;
      } finally {
        // Only now: the next spare's start does not compete with this hand-off.
        spares.fill(key);
      }
    },
    settled: () => spares.settled(),
    drain: () => spares.drain(),
  };
}
