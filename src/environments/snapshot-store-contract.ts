import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotStore } from '../core/ports/snapshot-store.ts';
import { listLayerEntries } from './layer-digest.ts';
import { createLayerStore, type LayerStore } from './layer-store.ts';
import { createLayerSync, packLayer } from './layer-sync.ts';

const isRoot = process.getuid?.() === 0;

/**
 * A layer with every kind of entry overlayfs uses: files with modes and times, a symlink, an empty
 * directory and, as root, a whiteout and an opaque directory (made by overlayfs itself).
 */
async function richLayer(store: LayerStore): Promise<string> {
  const dir = await store.stagingDir();
  await mkdir(join(dir, 'src/deep'), { recursive: true });
  await writeFile(join(dir, 'src/deep/file.txt'), 'hello\n');
  await writeFile(join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  await utimes(join(dir, 'src/deep/file.txt'), 1_000_000, 1_000_000);
  await symlink('src/deep/file.txt', join(dir, 'link'));
  await mkdir(join(dir, 'empty'));
  if (isRoot) {
    execFileSync('mknod', [join(dir, 'gone'), 'c', '0', '0']);
    const scratch = await mkdtemp(join(tmpdir(), 'drydock-opaque-'));
    try {
      for (const name of ['lower/x', 'upper', 'work', 'merged'])
        await mkdir(join(scratch, name), { recursive: true });
      await writeFile(join(scratch, 'lower/x/old'), 'old');
      const options = `lowerdir=${scratch}/lower,upperdir=${scratch}/upper,workdir=${scratch}/work`;
      execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', options, join(scratch, 'merged')]);
      try {
        execFileSync('sh', ['-c', 'rm -r x && mkdir x && echo new > x/new'], {
          cwd: join(scratch, 'merged'),
        });
      } finally {
        execFileSync('umount', [join(scratch, 'merged')]);
      }
      execFileSync('cp', ['-a', join(scratch, 'upper/x'), join(dir, 'x')]);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return (await store.adopt(dir)).id;
}

/**
 * One suite for every SnapshotStore: the blob contract, then layers packed by one machine's layer
 * store and fetched into another's through the store. `make` returns a new, empty store.
 */
export function describeSnapshotStoreContract(name: string, make: () => Promise<SnapshotStore>): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let dir: string;
    let machineA: LayerStore;
    let remote: SnapshotStore;
    let layer: string;
    const fresh = async (label: string) => createLayerStore(await mkdtemp(join(dir, `${label}-`)));

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'drydock-snapshot-store-'));
      machineA = await fresh('a');
      layer = await richLayer(machineA);
      remote = await make();
    });
    afterAll(async () => {
      await remote?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('stores blobs by id: missing, then stored, then read back whole', async () => {
      const id = 'a'.repeat(64);
      expect(await remote.has(id)).toBe(false);
      expect(await remote.get(id)).toBeNull();
      const file = join(dir, 'blob');
      await writeFile(file, 'x'.repeat(100_000));
      await remote.put(id, file);
      await remote.put(id, file);
      expect(await remote.has(id)).toBe(true);
      const stream = await remote.get(id);
      expect(stream).not.toBeNull();
      expect(await text(stream!)).toBe('x'.repeat(100_000));
    });

    it('refuses keys that are not layer ids', async () => {
      await expect(remote.has('../etc/passwd')).rejects.toThrow(/not a layer id/);
      await expect(remote.put('ABC', join(dir, 'blob'))).rejects.toThrow(/not a layer id/);
    });

    it('uploads a layer once and fetches it into an empty store with everything overlayfs needs', async () => {
      const sync = createLayerSync(machineA, remote);
      expect(await sync.upload([layer])).toMatchObject({ uploaded: 1 });
      expect(await remote.has(layer)).toBe(true);
      // Known now, and a second machine asks has() first: nothing goes up twice.
      expect(await sync.upload([layer])).toEqual({ uploaded: 0, bytes: 0 });
      expect(await createLayerSync(machineA, remote).upload([layer])).toEqual({ uploaded: 0, bytes: 0 });

      const machineB = await fresh('b');
      const fetched = await createLayerSync(machineB, remote).fetchMissing([layer, layer]);
      expect(fetched.fetched).toBe(1);
      expect(await machineB.has(layer)).toBe(true);
      const before = await listLayerEntries(machineA.pathOf(layer));
      const after = await listLayerEntries(machineB.pathOf(layer));
      expect(after).toEqual(before);
      const types = new Set(after.map((entry) => entry.type));
      expect(types).toContain('symlink');
      if (isRoot) {
        expect(after).toContainEqual({ path: 'gone', type: 'whiteout' });
        expect(after).toContainEqual(expect.objectContaining({ path: 'x', type: 'directory', opaque: true }));
      }
      const file = join(machineB.pathOf(layer), 'src/deep/file.txt');
      expect((await lstat(file)).mtimeMs).toBe(1_000_000_000);
      expect((await lstat(join(machineB.pathOf(layer), 'run.sh'))).mode & 0o777).toBe(0o755);
      expect(await readlink(join(machineB.pathOf(layer), 'link'))).toBe('src/deep/file.txt');
      expect(await readFile(file, 'utf8')).toBe('hello\n');
      // Present locally now: nothing is fetched again.
      expect((await createLayerSync(machineB, remote).fetchMissing([layer])).fetched).toBe(0);
    });

    it('refuses a blob whose content is not the layer it is stored as', async () => {
      const other = await machineA.stagingDir();
      await writeFile(join(other, 'impostor'), 'not the layer');
      const impostor = (await machineA.adopt(other)).id;
      const claimed = 'b'.repeat(64);
      const file = join(dir, 'impostor.tar');
      await packLayer(machineA, impostor, file);
      await remote.put(claimed, file);
      const machineC = await fresh('c');
      await expect(createLayerSync(machineC, remote).fetchMissing([claimed])).rejects.toMatchObject({
        code: 'layer_corrupt',
      });
      expect(await machineC.list()).toEqual([]);
    });

    it('says which layer is missing when the snapshot store lacks it', async () => {
      const machineD = await fresh('d');
      await expect(createLayerSync(machineD, remote).fetchMissing(['c'.repeat(64)])).rejects.toMatchObject({
        code: 'layer_not_in_snapshot_store',
      });
    });
  });
}
