/**
 * Pure decisions for layered workspaces: how to mount a stack with overlayfs, and when to squash it.
 * No I/O, table-tested (test/layers-plan.test.ts).
 */

/**
 * The kernel copies mount options into one page: 4096 bytes with the terminating NUL. Less a margin
 * for the `index=off,…` flags mount(8) may reorder.
 */
export const MAX_MOUNT_OPTION_BYTES = 4000;

/** Characters overlayfs treats as separators in its options; layer paths must not contain them. */
const SEPARATORS = /[,:\\]/;

export interface OverlayPlanInput {
  /** Host paths of the layers, bottom first (the base checkout first). At least one. */
  layers: readonly string[];
  /** The directory the layers live in (the store's root), for relative lowerdir paths. */
  layersRoot: string;
  upper: string;
  work: string;
  merged: string;
  /** Mount points for intermediate read-only overlays when one mount cannot hold the stack. */
  intermediate: (index: number) => string;
  /** Skip syncing on copy-up and unmount (overlayfs `volatile`, Linux 5.10+). */
  volatile: boolean;
  maxOptionBytes?: number;
}

export interface OverlayMount {
  /** Where to mount it. */
  target: string;
  /** The `-o` options. */
  options: string;
  /** Run mount(8) here: lowerdir paths in `options` may be relative to it. */
  cwd: string;
  /** Lower-only overlays, mounted before the top one and unmounted after it. */
  readOnly: boolean;
}

export class OverlayPlanError extends Error {
  override readonly name = 'OverlayPlanError';
}

/**
 * Options of every overlay drydock mounts. `nosuid,nodev`: the agent's files are not setuid programs or
 * devices for anyone on the host (adopting a layer strips both as well: layer-digest.ts).
 */
export const OVERLAY_FIXED_OPTIONS = ['nosuid', 'nodev', 'index=off', 'redirect_dir=off', 'metacopy=off'];

function relativeTo(root: string, path: string): string {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** overlayfs lists lowers top first. */
function lowerdir(paths: readonly string[]): string {
  return `lowerdir=${[...paths].reverse().join(':')}`;
}

/**
 * The mounts that present `layers` + `upper` at `merged`: one overlay when its options fit in a page
 * (absolute paths, else paths relative to the store's root), otherwise the bottom layers grouped into
 * read-only overlays that become lowers of the top one. Overlays nest at most two deep, so a stack
 * that needs more than that must be squashed first (see decideSquash).
 */
export function planOverlayMounts(input: OverlayPlanInput): OverlayMount[] {
  const max = input.maxOptionBytes ?? MAX_MOUNT_OPTION_BYTES;
  if (input.layers.length === 0) throw new OverlayPlanError('An overlay needs at least one lower layer.');
  for (const path of [...input.layers, input.upper, input.work, input.merged, input.layersRoot]) {
    if (SEPARATORS.test(path))
      throw new OverlayPlanError(`The path ${path} contains a comma, colon or backslash.`);
  }
  const tail = [`upperdir=${input.upper}`, `workdir=${input.work}`, ...OVERLAY_FIXED_OPTIONS];
  if (input.volatile) tail.push('volatile');
  const top = (lowers: readonly string[]): string => [lowerdir(lowers), ...tail].join(',');

  const absolute = top(input.layers);
  if (absolute.length <= max)
    return [{ target: input.merged, options: absolute, cwd: input.layersRoot, readOnly: false }];
  const relative = input.layers.map((layer) => relativeTo(input.layersRoot, layer));
  const short = top(relative);
  if (short.length <= max)
    return [{ target: input.merged, options: short, cwd: input.layersRoot, readOnly: false }];

  // Group from the bottom: each read-only overlay as full as one page allows (at least two layers).
  const mounts: OverlayMount[] = [];
  const lowersOfTop: string[] = [];
  let index = 0;
  let rest = relative;
  while (rest.length > 0) {
    const target = input.intermediate(index);
    // What is left must fit in the top mount next to the intermediate mounts made so far.
    if (top([...lowersOfTop, ...rest]).length <= max) {
      lowersOfTop.push(...rest);
      break;
    }
    const readOnly = (group: readonly string[]): string =>
      [lowerdir(group), ...OVERLAY_FIXED_OPTIONS].join(',');
    let count = 0;
    while (count < rest.length && readOnly(rest.slice(0, count + 1)).length <= max) count++;
    if (count < 2) {
      throw new OverlayPlanError(
        `A stack of ${input.layers.length} layers does not fit two levels of overlays: squash it.`,
      );
    }
    mounts.push({ target, options: readOnly(rest.slice(0, count)), cwd: input.layersRoot, readOnly: true });
    lowersOfTop.push(target);
    rest = rest.slice(count);
    index++;
  }
  const options = top(lowersOfTop);
  if (options.length > max) {
    throw new OverlayPlanError(
      `A stack of ${input.layers.length} layers does not fit two levels of overlays: squash it.`,
    );
  }
  mounts.push({ target: input.merged, options, cwd: input.layersRoot, readOnly: false });
  return mounts;
}

export interface SquashPolicy {
  /** Squash once the stack is deeper than this. */
  maxDepth: number;
  /** Layers at the top left as they are (the recent snapshots, cheap to drop or restore). */
  keepTop: number;
}

/** Squash past 32 layers, keeping the 8 newest: a mount stays ~2 ms and one page of options. */
export const DEFAULT_SQUASH_POLICY: SquashPolicy = { maxDepth: 32, keepTop: 8 };

export type SquashDecision = { squash: false } | { squash: true; count: number };

/**
 * The most layers one squash merges: squashStack mounts them as one read-only overlay, whose options
 * (65 bytes a layer, ids relative to the store) must fit in a page. A deeper stack takes several squashes.
 */
export const MAX_SQUASH_LAYERS = 48;

/**
 * Whether to squash a stack of `depth` layers, and how many from the bottom (at most
 * MAX_SQUASH_LAYERS: decide again on the result). Squashing the bottom layers needs no whiteouts in
 * the result (nothing is below it to hide), so it is a plain copy of their merged view; it costs a
 * copy of the workspace, so it happens rarely: when a workspace is opened on a stack past the depth.
 */
export function decideSquash(depth: number, policy: SquashPolicy = DEFAULT_SQUASH_POLICY): SquashDecision {
  if (depth <= policy.maxDepth) return { squash: false };
  const count = Math.min(depth - Math.max(0, policy.keepTop), MAX_SQUASH_LAYERS);
  return count >= 2 ? { squash: true, count } : { squash: false };
}
