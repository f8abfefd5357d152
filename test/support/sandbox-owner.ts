import { giveTree, treeOwner } from '../../src/environments/tree-owner.ts';

/**
 * Hands a fixture workspace to the sandbox user, as drydock hands over the workspaces it prepares
 * (src/environments/tree-owner.ts: `.git` stays root's). A no-op where drydock is not root.
 */
export async function giveToSandbox(dir: string): Promise<void> {
  const owner = treeOwner();
  if (owner !== null) await giveTree(dir, owner);
}
