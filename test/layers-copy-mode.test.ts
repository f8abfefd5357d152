/** The fallback where overlayfs cannot be mounted: workspaces are copies, snapshots full copies. */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listLayerEntries } from '../src/environments/layer-digest.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { openLayeredWorkspace } from '../src/environments/layered-workspace.ts';

const home = await mkdtemp(join(tmpdir(), 'drydock-copy-mode-'));

describe('layered workspace in copy mode', () => {
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('copies the layers, snapshots the whole tree, and restores it', async () => {
    const store = await createLayerStore(home);
    const staging = await store.stagingDir();
    await mkdir(join(staging, 'src'));
    await writeFile(join(staging, 'src/a.ts'), 'a');
    await writeFile(join(staging, 'README.md'), 'readme');
    const base = (await store.adopt(staging)).id;

    const workspace = await openLayeredWorkspace({
      store,
      dir: join(home, 'one'),
      stack: [base],
      mode: 'copy',
    });
    expect(workspace.mode).toBe('copy');
    await writeFile(join(workspace.path, 'src/a.ts'), 'changed');
    await rm(join(workspace.path, 'README.md'));
    await symlink('src/a.ts', join(workspace.path, 'link'));
    const snapshot = await workspace.capture();
    // A full copy replaces the stack: there are no whiteouts to carry in copy mode.
    expect(snapshot.layers).toHaveLength(1);
    expect(snapshot.layers[0]).not.toBe(base);
    const expected = await listLayerEntries(workspace.path);
    await workspace.release();

    const restored = await openLayeredWorkspace({
      store,
      dir: join(home, 'two'),
      stack: snapshot.layers,
      mode: 'copy',
    });
    expect(await listLayerEntries(restored.path)).toEqual(expected);
    expect(await readFile(join(restored.path, 'link'), 'utf8')).toBe('changed');
    // The stored layers are untouched by the workspace's writes.
    expect(await readFile(join(store.pathOf(base), 'src/a.ts'), 'utf8')).toBe('a');
    await restored.release();
  });
});
