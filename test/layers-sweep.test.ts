/**
 * Cleaning up after a crashed drydock (workspace-sweep.ts) and pruning layers no checkpoint references
 * (workspace-gc.ts, `drydock gc`), with real overlay mounts, disk images and loop devices. A child
 * process that exits without releasing its workspace stands in for the crash. Every mount and loop
 * device the tests make is removed at the end, failing or not. Skipped where overlayfs or disk quotas
 * cannot be used here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../src/core/session.ts';
import { createLayerStore, type LayerStore } from '../src/environments/layer-store.ts';
import {
  detectWorkspaceMode,
  type LayeredWorkspace,
  openLayeredWorkspace,
} from '../src/environments/layered-workspace.ts';
import { bindStable, mountSnapshotView } from '../src/environments/stable-mount.ts';
import { sweepWorkspaces } from '../src/environments/workspace-sweep.ts';
import { diskQuotaSupport, mountDiskVolume } from '../src/sandbox/disk-quota.ts';
import { mountsUnder } from '../src/sandbox/mount-table.ts';
import { type LayerReferences, pruneLayers } from '../src/sessions/workspace-gc.ts';
import { loopsBackedUnder, removeTestDir } from './support/remove-dir.ts';

const MiB = 1024 * 1024;
const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/drydock.js', import.meta.url));
const parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-sweep-')));
const support = await diskQuotaSupport();
const { mode } = await detectWorkspaceMode(await createLayerStore(join(parent, 'probe')));

afterAll(async () => {
  await removeTestDir(parent);
});

async function storeWithLayer(home: string, content: string): Promise<{ store: LayerStore; id: string }> {
  const store = await createLayerStore(home);
  const staging = await store.stagingDir();
  await writeFile(join(staging, 'file.txt'), content);
  return { store, id: (await store.adopt(staging)).id };
}

/** A drydock that opens a layered workspace with a disk quota, binds it at the session's path and dies. */
const CRASHING_CHILD = `
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { createLayerStore } from '${SRC}environments/layer-store.ts';
import { openLayeredWorkspace } from '${SRC}environments/layered-workspace.ts';
import { bindStable } from '${SRC}environments/stable-mount.ts';
const [home, base] = process.argv.slice(2);
const store = await createLayerStore(home);
const workspace = await openLayeredWorkspace({
  store, dir: join(home, 'overlays', 'crashed-0123abcd'), stack: [base], mode: 'overlay', diskBytes: 24 * 1024 * 1024,
});
await writeFile(join(workspace.path, 'unsaved.txt'), 'lost with the crash');
await bindStable(workspace.path, join(home, 'sessions', 'crashed', 'workspace'));
process.exit(0);
`;

describe.skipIf(mode !== 'overlay' || !support.ok)('sweeping what a crashed drydock left', () => {
  const home = join(parent, 'home');
  const sessions = join(home, 'sessions');
  const overlays = join(home, 'overlays');
  const ended = new Set(['live', 'ended-view', 'ended-clone', 'gone']);
  const isEnded = async (id: string): Promise<boolean> => ended.has(id);
  let live: LayeredWorkspace;

  beforeAll(async () => {
    const { store, id } = await storeWithLayer(home, 'base\n');
    const child = join(parent, 'crash.ts');
    await writeFile(child, CRASHING_CHILD);
    execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', child, home, id]);
    // This process's own workspace, bound at a session path: alive, so never swept, ended or not.
    live = await openLayeredWorkspace({
      store,
      dir: join(overlays, 'live-89abcdef'),
      stack: [id],
      mode: 'overlay',
      diskBytes: 24 * MiB,
    });
    await bindStable(live.path, join(sessions, 'live', 'workspace'));
    // Views of ended sessions' last snapshots, one ended and one whose session is still queued.
    for (const name of ['ended-view', 'running-view']) {
      const stable = join(sessions, name, 'workspace');
      await mountSnapshotView(store, [id], stable, `${stable}.view`);
    }
    // Clones on disk images, one of an ended session.
    for (const name of ['ended-clone', 'running-clone']) {
      const stable = join(sessions, name, 'workspace');
      await mountDiskVolume({ image: `${stable}.disk.img`, mountPoint: stable, bytes: 16 * MiB });
      await writeFile(join(stable, 'work.txt'), 'kept\n');
    }
    // A loop device on an image that nothing mounts.
    const loose = join(sessions, 'gone', 'workspace.disk.img');
    await mkdir(join(sessions, 'gone'), { recursive: true });
    execFileSync('truncate', ['-s', '16M', loose]);
    execFileSync('losetup', ['-f', loose]);
  });
  afterAll(async () => {
    await live?.release();
  });

  it('lists the leftovers in a dry run and changes nothing', async () => {
    const before = await mountsUnder(home);
    const actions = await sweepWorkspaces({
      overlaysDir: overlays,
      sessionsDir: sessions,
      isEnded,
      dryRun: true,
    });
    expect(actions.map(({ action, path }) => `${action} ${path.replace(home, '~')}`).sort()).toEqual(
      [
        'unmount ~/sessions/crashed/workspace',
        'unmount ~/sessions/ended-view/workspace',
        'remove ~/sessions/ended-view/workspace.view',
        'unmount ~/sessions/ended-clone/workspace',
        'remove ~/overlays/crashed-0123abcd',
        expect.stringMatching(/^detach \/dev\/loop\d+$/),
      ].sort(),
    );
    expect(actions.find(({ path }) => path.endsWith('crashed-0123abcd'))?.reason).toContain('is gone');
    expect(await mountsUnder(home)).toEqual(before);
  });

  it('unmounts and removes them, keeping the work of every session and what is alive', async () => {
    const crashedDir = join(overlays, 'crashed-0123abcd');
    expect(await loopsBackedUnder(crashedDir)).toHaveLength(1);
    const actions = await sweepWorkspaces({ overlaysDir: overlays, sessionsDir: sessions, isEnded });
    expect(actions.filter((action) => action.error !== undefined)).toEqual([]);
    // The crashed run's writable layer (no snapshot holds it) and its disk: gone, loop device too.
    expect(existsSync(crashedDir)).toBe(false);
    expect(await loopsBackedUnder(crashedDir)).toEqual([]);
    expect(await loopsBackedUnder(join(sessions, 'gone'))).toEqual([]);
    const left = await mountsUnder(home);
    expect(left).not.toContain(join(sessions, 'crashed', 'workspace'));
    expect(left).not.toContain(join(sessions, 'ended-view', 'workspace'));
    expect(existsSync(join(sessions, 'ended-view', 'workspace.view'))).toBe(false);
    // The ended clone is unmounted, its image (the work) kept.
    expect(left).not.toContain(join(sessions, 'ended-clone', 'workspace'));
    expect(existsSync(join(sessions, 'ended-clone', 'workspace.disk.img'))).toBe(true);
    // Alive or still running: untouched.
    expect(left).toEqual(
      expect.arrayContaining([
        join(sessions, 'live', 'workspace'),
        live.path,
        join(sessions, 'running-view', 'workspace'),
        join(sessions, 'running-clone', 'workspace'),
      ]),
    );
    expect(await readFile(join(sessions, 'running-clone', 'workspace', 'work.txt'), 'utf8')).toBe('kept\n');
    // A second sweep finds nothing more.
    expect(await sweepWorkspaces({ overlaysDir: overlays, sessionsDir: sessions, isEnded })).toEqual([]);
  });
});

describe.skipIf(mode !== 'overlay')('pruning layers', () => {
  const home = join(parent, 'prune');
  let store: LayerStore;
  const ids: Record<string, string> = {};
  let mounted: LayeredWorkspace | undefined;

  beforeAll(async () => {
    for (const name of ['checkpoint', 'image', 'mounted', 'orphan']) {
      const made = await storeWithLayer(home, `${name}\n`);
      store = made.store;
      ids[name] = made.id;
    }
    mounted = await openLayeredWorkspace({
      store,
      dir: join(home, 'overlays', 'm-00000000'),
      stack: [ids.mounted!],
      mode: 'overlay',
    });
  });
  afterAll(async () => {
    await mounted?.release();
  });

  const references: LayerReferences = {
    listSessions: async () => [{ id: 's1' } as Session],
    loadCheckpoint: async () => ({ workspace: { layers: [ids.checkpoint!] } }),
    listEnvironments: async () => [
      {
        id: 'e1',
        repo: '/r',
        inputsHash: 'h',
        runtimeVersion: 'v',
        commit: 'c',
        layers: [ids.image!],
        setup: [],
        setupMs: 0,
        imageRoot: null,
        createdAt: '',
      },
    ],
  };

  it('deletes only layers no checkpoint, image or mount uses, and lists them first in a dry run', async () => {
    const listed = await pruneLayers(references, store, { dryRun: true, graceMs: 0 });
    // The store also holds the empty layer the mounted workspace needed for its stack, if any: compare by set.
    expect(listed.removed).toContain(ids.orphan);
    expect(listed.removed).not.toEqual(expect.arrayContaining([ids.checkpoint, ids.image, ids.mounted]));
    expect(await store.has(ids.orphan!)).toBe(true);
    // Young layers are kept: a snapshot is stored a moment before the checkpoint that names it.
    expect((await pruneLayers(references, store, { dryRun: true })).removed).toEqual([]);
    const pruned = await pruneLayers(references, store, { graceMs: 0 });
    expect(pruned.removed).toEqual(listed.removed);
    expect(await store.has(ids.orphan!)).toBe(false);
    for (const name of ['checkpoint', 'image', 'mounted']) expect(await store.has(ids[name]!)).toBe(true);
  });

  it('`drydock gc` lists in a dry run, then removes', async () => {
    const cliHome = join(parent, 'cli-home');
    const { id } = await storeWithLayer(cliHome, 'unreferenced\n');
    const gc = (...args: string[]) =>
      spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, 'gc', ...args], {
        encoding: 'utf8',
        env: { ...process.env, DRYDOCK_HOME: cliHome, DRYDOCK_DATABASE_URL: '' },
      });
    const dry = gc('--dry-run', '--grace-minutes', '0');
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toContain(`would remove layer ${id}`);
    expect(dry.stdout).toContain('1 layer would be removed');
    expect(existsSync(join(cliHome, 'layers', id))).toBe(true);
    expect(gc().stdout).toContain('0 layers removed, 1 kept');
    const real = gc('--grace-minutes', '0');
    expect(real.status).toBe(0);
    expect(real.stdout).toContain('1 layer removed');
    expect(existsSync(join(cliHome, 'layers', id))).toBe(false);
  });
});
