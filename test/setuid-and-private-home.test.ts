/**
 * What the agent leaves on the host's disks must not be a way to root for a local user: no setuid or
 * setgid program and no device node in a stored layer, overlays mounted nosuid and nodev, and drydock's
 * data directory (workspaces, layers, database, key) private to drydock's user.
 */
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, realpath, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePrivateHome } from '../src/cli/data-home.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import { createLayerStore, type LayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes, type LayeredSandbox } from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { readMounts } from '../src/sandbox/mount-table.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { removeTestDir } from './support/remove-dir.ts';

const isRoot = process.getuid?.() === 0;
const modeProbe = await mkdtemp(join(tmpdir(), 'drydock-mode-'));
const overlay = (await detectWorkspaceMode(await createLayerStore(modeProbe))).mode === 'overlay';
await removeTestDir(modeProbe);

describe('a stored layer', () => {
  let home: string;
  let store: LayerStore;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'drydock-setuid-store-'));
    store = await createLayerStore(home);
  });
  afterAll(() => removeTestDir(home));

  it('holds no setuid or setgid bit, whatever the tree had', async () => {
    const dir = await store.stagingDir();
    await writeFile(join(dir, 'suid'), '#!/bin/sh\n', { mode: 0o755 });
    execFileSync('chmod', ['4755', join(dir, 'suid')]);
    await writeFile(join(dir, 'sgid'), '#!/bin/sh\n', { mode: 0o755 });
    execFileSync('chmod', ['2755', join(dir, 'sgid')]);
    await mkdir(join(dir, 'shared'));
    execFileSync('chmod', ['3775', join(dir, 'shared')]);
    const layer = await store.adopt(dir);
    const root = store.pathOf(layer.id);
    expect((await lstat(join(root, 'suid'))).mode & 0o7777).toBe(0o755);
    expect((await lstat(join(root, 'sgid'))).mode & 0o7777).toBe(0o755);
    // The sticky bit is harmless and stays.
    expect((await lstat(join(root, 'shared'))).mode & 0o7777).toBe(0o1775);

    // The same content without the bits is the same layer: ids never depend on them.
    const plain = await store.stagingDir();
    await writeFile(join(plain, 'suid'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(join(plain, 'sgid'), '#!/bin/sh\n', { mode: 0o755 });
    await mkdir(join(plain, 'shared'));
    execFileSync('chmod', ['1775', join(plain, 'shared')]);
    expect(await store.adopt(plain)).toMatchObject({ id: layer.id, reused: true });
  });

  it.skipIf(!isRoot)('holds no device node, but keeps whiteouts (root only: mknod needs it)', async () => {
    const dir = await store.stagingDir();
    execFileSync('mknod', [join(dir, 'null-copy'), 'c', '1', '3']);
    execFileSync('mknod', [join(dir, 'disk'), 'b', '7', '0']);
    execFileSync('mknod', [join(dir, 'deleted'), 'c', '0', '0']);
    await writeFile(join(dir, 'kept.txt'), 'x');
    const root = store.pathOf((await store.adopt(dir)).id);
    expect(await lstat(join(root, 'null-copy')).catch(() => null)).toBeNull();
    expect(await lstat(join(root, 'disk')).catch(() => null)).toBeNull();
    const whiteout = await lstat(join(root, 'deleted'));
    expect(whiteout.isCharacterDevice() && whiteout.rdev === 0).toBe(true);
    expect(await lstat(join(root, 'kept.txt'))).toBeTruthy();
  });
});

describe.skipIf(!overlay)("an agent's setuid copy of a binary in a layered workspace (overlayfs)", () => {
  let parent: string;
  let store: LayerStore;
  let sandbox: LayeredSandbox;

  beforeAll(async () => {
    parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-setuid-')));
    store = await createLayerStore(parent);
    const staging = await store.stagingDir();
    await writeFile(join(staging, 'app.ts'), 'export const answer = 42;\n');
    const base = (await store.adopt(staging)).id;
    const sandboxes = createLayeredSandboxes({
      provider: createBubblewrapProvider({ killGraceMs: 300 }),
      store,
      workspacesDir: join(parent, 'overlays'),
      mode: 'overlay',
    });
    sandbox = await sandboxes.start({ layers: [base] }, { sessionId: 'setuid' });
  });
  afterAll(async () => {
    await sandbox?.destroy().catch(() => {});
    await removeTestDir(parent);
  });

  it('is mounted nosuid and nodev on the host while it runs, and stored without the bit', async () => {
    const planted = await sandbox.exec(
      'cp /usr/bin/id ./rootshell && chmod 4755 ./rootshell && stat -c %a rootshell',
    );
    expect(planted).toMatchObject({ exitCode: 0, output: '4755\n' });
    const mounts = (await readMounts()).filter((entry) => entry.mountPoint === sandbox.hostWorkspacePath);
    expect(mounts).toHaveLength(1);
    expect(mounts[0]!.mountOptions.split(',')).toEqual(expect.arrayContaining(['nosuid', 'nodev']));

    const snapshot = await sandbox.snapshot();
    const stored = join(store.pathOf(snapshot.layers.at(-1)!), 'rootshell');
    expect((await lstat(stored)).mode & 0o7777).toBe(0o755);
  });
});

describe("drydock's data directory", () => {
  let parent: string;
  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'drydock-home-'));
  });
  afterAll(() => removeTestDir(parent));

  it('is made private to drydock, and closed when it was open to others', async () => {
    const fresh = join(parent, 'fresh', 'home');
    await ensurePrivateHome(fresh);
    expect((await stat(fresh)).mode & 0o777).toBe(0o700);
    const open = join(parent, 'open');
    await mkdir(open, { mode: 0o755 });
    execFileSync('chmod', ['0755', open]);
    await ensurePrivateHome(open);
    expect((await stat(open)).mode & 0o777).toBe(0o700);
  });

  it("keeps its SQLite database readable by drydock's user only", async () => {
    const path = join(parent, 'db', 'drydock.db');
    // Opening it migrates it: a write, so the -wal and -shm files exist too.
    const store = await openSqliteStore({ path, clock: systemClock, ids: createSequentialIds('h') });
    try {
      for (const file of ['drydock.db', 'drydock.db-wal', 'drydock.db-shm']) {
        const info = await stat(join(parent, 'db', file)).catch(() => null);
        if (info !== null) expect(info.mode & 0o777, file).toBe(0o600);
      }
      expect((await stat(join(parent, 'db'))).mode & 0o777).toBe(0o700);
    } finally {
      await store.close();
    }
  });
});
