import { cp, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import { openLayeredWorkspace } from '../environments/layered-workspace.ts';
import { giveTree, treeOwner } from '../environments/tree-owner.ts';
import type { SessionDeps } from './session-deps.ts';

/**
 * The tree a session's start commands run on when they have secrets: the session's starting tree (its
 * environment at its commit, before the agent acted), in a copy of their own, never the agent's
 * workspace. Start commands run code from the tree (`bash scripts/start-db.sh`, `npm run db`) and
 * their services may read it again later: on the agent's workspace, a rewritten script or a reloaded
 * module would hand the agent the secret. The services still reach the agent over loopback.
 */
export interface ServicesWorkspace {
  /** Host path, mounted as the services compartment's workspace. */
  readonly path: string;
  /** Unmounts what this run opened (a copy made for a plain clone stays, for later runs). */
  release(): Promise<void>;
}

export function servicesWorkspaceMissing(): BadInputError {
  return new BadInputError(
    'services_tree_missing',
    "This session's start commands have secrets, and drydock has no copy of the tree it started from to run " +
      'them on (the session began before drydock kept one): start a new session.',
  );
}

/**
 * Layered workspaces: an overlay of its own over `stack`, the stack the session started from (recorded in
 * its checkpoint on the first run).
 */
export async function openLayeredServicesWorkspace(
  deps: SessionDeps,
  sessionId: string,
  stack: readonly string[],
): Promise<ServicesWorkspace> {
  const layers = deps.layers;
  if (!layers) throw new Error('openLayeredServicesWorkspace needs layered workspaces.');
  const workspace = await openLayeredWorkspace({
    store: layers.store,
    dir: join(deps.home, 'overlays', `${sessionId}-services`),
    stack,
    mode: 'overlay',
    durable: false,
  });
  return { path: workspace.path, release: () => workspace.release() };
}

/**
 * A plain clone: a copy of the workspace taken on the session's first run, before the agent's first
 * step (setup's outputs included), kept beside the workspace for later runs.
 */
export async function cloneServicesWorkspace(
  workspacePath: string,
  firstRun: boolean,
): Promise<ServicesWorkspace> {
  const path = join(dirname(workspacePath), 'services');
  if (firstRun) {
    await rm(path, { recursive: true, force: true });
    await mkdir(path, { recursive: true });
    await cp(workspacePath, path, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    // Copied as root: the tree is the sandbox user's, as the workspace's (its `.git` stays drydock's).
    const owner = treeOwner();
    if (owner !== null) await giveTree(path, owner);
  } else if (!(await stat(path).catch(() => null))?.isDirectory()) {
    throw servicesWorkspaceMissing();
  }
  return { path, release: async () => {} };
}
