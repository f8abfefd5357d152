import { rm } from 'node:fs/promises';
import type { LayerStore } from './layer-store.ts';
import { prepareWorkspace } from './local-workspace.ts';

/**
 * The bottom layer of a session's stack: the repository checked out at `commit` (a clone sharing
 * objects by hard link, as prepareWorkspace makes it), stored by content. Two sessions on the same
 * commit share the layer. Costs a clone plus reading every file once to hash it.
 */
export async function createBaseLayer(store: LayerStore, repoPath: string, commit: string): Promise<string> {
  const staging = await store.stagingDir();
  await rm(staging, { recursive: true });
  try {
    await prepareWorkspace(repoPath, commit, staging);
    return (await store.adopt(staging, { durable: true })).id;
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(`${staging}.partial`, { recursive: true, force: true });
  }
}
