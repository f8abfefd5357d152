import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpaqueDirs } from '../src/environments/layer-digest.ts';
import { createLayerStore, type LayerStore } from '../src/environments/layer-store.ts';

const isRoot = process.getuid?.() === 0;

describe('layer store', () => {
  let home: string;
  let store: LayerStore;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'drydock-layers-'));
    store = await createLayerStore(home);
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  /** A small tree in a fresh staging dir; `change` alters it before it is stored. */
  async function tree(change: (dir: string) => Promise<void> = async () => {}): Promise<string> {
    const dir = await store.stagingDir();
    await mkdir(join(dir, 'src/lib'), { recursive: true });
    await writeFile(join(dir, 'src/lib/a.ts'), 'export const a = 1;\n');
    await writeFile(join(dir, 'README.md'), '# hi\n');
    await symlink('src/lib/a.ts', join(dir, 'link'));
    await change(dir);
    return dir;
  }

  it('moves a directory into place under its content hash, and stores identical content once', async () => {
    const first = await tree();
    const stored = await store.adopt(first);
    expect(stored.reused).toBe(false);
    expect(stored.id).toMatch(/^[0-9a-f]{64}$/);
    expect(stored.entries).toBe(5);
    expect(await readdir(store.pathOf(stored.id))).toEqual(['README.md', 'link', 'src']);
    await expect(readdir(first)).rejects.toThrow(/ENOENT/);

    const second = await tree();
    const again = await store.adopt(second);
    expect(again).toMatchObject({ id: stored.id, reused: true });
    await expect(readdir(second)).rejects.toThrow(/ENOENT/);
    expect(await store.list()).toEqual([stored.id]);
  });

  it.each([
    ['a file content', (dir: string) => writeFile(join(dir, 'README.md'), '# ho\n')],
    ['a mode', (dir: string) => chmod(join(dir, 'README.md'), 0o755)],
    [
      'a symlink target',
      (dir: string) => rm(join(dir, 'link')).then(() => symlink('README.md', join(dir, 'link'))),
    ],
    ['an empty directory', (dir: string) => mkdir(join(dir, 'empty'))],
  ])('gives another id when %s changes', async (_, change) => {
    const base = await store.adopt(await tree());
    const changed = await store.adopt(await tree(change));
    expect(changed.id).not.toBe(base.id);
  });

  it.skipIf(!isRoot)('hashes whiteouts and opaque directories', async () => {
    const base = await store.adopt(await tree());
    const whiteout = await store.adopt(
      await tree(async (dir) => {
        execFileSync('mknod', [join(dir, 'gone'), 'c', '0', '0']);
      }),
    );
    // overlayfs makes `x` opaque in its upper dir when a lower `x` is removed and made again.
    const scratch = await mkdtemp(join(tmpdir(), 'drydock-opaque-'));
    for (const name of ['lower/x', 'upper', 'work', 'merged'])
      await mkdir(join(scratch, name), { recursive: true });
    await writeFile(join(scratch, 'lower/x/old'), 'old');
    const options = `lowerdir=${scratch}/lower,upperdir=${scratch}/upper,workdir=${scratch}/work`;
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', options, join(scratch, 'merged')]);
    try {
      execFileSync('sh', ['-c', 'rm -r x && mkdir x', 'sh'], { cwd: join(scratch, 'merged') });
    } finally {
      execFileSync('umount', [join(scratch, 'merged')]);
    }
    expect([...(await findOpaqueDirs(join(scratch, 'upper'), ['x']))]).toEqual(['x']);
    const upper = await tree();
    execFileSync('cp', ['-a', join(scratch, 'upper/x'), join(upper, 'x')]);
    await rm(scratch, { recursive: true, force: true });
    const opaque = await store.adopt(upper);
    const plainDir = await store.adopt(await tree((dir) => mkdir(join(dir, 'x'))));
    expect(new Set([base.id, whiteout.id, opaque.id, plainDir.id]).size).toBe(4);
  });

  it('prunes layers no stack keeps', async () => {
    const kept = await store.adopt(await tree((dir) => writeFile(join(dir, 'keep'), 'k')));
    const before = await store.list();
    const removed = await store.prune(new Set([kept.id]));
    expect(removed).toBe(before.length - 1);
    expect(await store.list()).toEqual([kept.id]);
  });

  it('rejects ids that are not layer ids', () => {
    expect(() => store.pathOf('../etc')).toThrow(/not a layer id/);
  });
});
