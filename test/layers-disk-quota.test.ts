/**
 * Disk quotas on workspaces (src/sandbox/disk-quota.ts): a layered workspace's writable layer on an
 * ext4 image, frozen across file systems, and a clone on an image mounted at the workspace path. Every
 * test cleans up its mounts and loop devices, failing or not. Skipped where quotas cannot work here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, realpath, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findOpaqueDirs, listLayerEntries } from '../src/environments/layer-digest.ts';
import { createLayerStore, type LayerStore } from '../src/environments/layer-store.ts';
import {
  detectWorkspaceMode,
  type LayeredWorkspace,
  openLayeredWorkspace,
} from '../src/environments/layered-workspace.ts';
import {
  prepareWorkspace,
  remountWorkspaceDisk,
  workspaceDiskImage,
} from '../src/environments/local-workspace.ts';
import { diskQuotaSupport, unmountDiskVolume } from '../src/sandbox/disk-quota.ts';
import { createHostProvider } from '../src/sandbox/host-provider.ts';
import { mountsUnder } from '../src/sandbox/mount-table.ts';
import { loopsBackedUnder, removeTestDir } from './support/remove-dir.ts';

const MiB = 1024 * 1024;
const support = await diskQuotaSupport();
const parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-disk-quota-')));
const store: LayerStore = await createLayerStore(parent);
const { mode } = await detectWorkspaceMode(store);

const sh = (cwd: string, script: string): string =>
  execFileSync('sh', ['-c', script], { cwd, encoding: 'utf8' });
// safe.directory: a root drydock's workspaces are the sandbox user's (src/environments/tree-owner.ts).
const git = (cwd: string, ...args: string[]): string =>
  execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'safe.directory=*', ...args],
    {
      cwd,
      encoding: 'utf8',
    },
  );

afterAll(async () => {
  await removeTestDir(parent);
});

/** Every kind of change a frozen layer must carry, made on the host through the merged view. */
const CHANGES = [
  'echo new > added.txt',
  'echo changed >> src/main.ts',
  'rm README.md',
  'chmod 755 run.sh',
  'ln -s src/main.ts main-link',
  'rm -r lib && mkdir lib && echo fresh > lib/only.ts',
].join(' && ');

async function baseLayer(): Promise<string> {
  const staging = await store.stagingDir();
  sh(
    staging,
    'mkdir -p src lib && echo main > src/main.ts && echo readme > README.md && echo run > run.sh && echo old > lib/old.ts && echo keep > lib/keep.ts',
  );
  return (await store.adopt(staging)).id;
}

describe.skipIf(!support.ok || mode !== 'overlay')('a layered workspace with a disk quota', () => {
  const opened: LayeredWorkspace[] = [];
  afterEach(async () => {
    for (const workspace of opened.splice(0)) await workspace.release().catch(() => {});
  });
  const open = async (name: string, stack: string[], diskBytes?: number): Promise<LayeredWorkspace> => {
    const workspace = await openLayeredWorkspace({
      store,
      dir: join(parent, 'overlays', name),
      stack,
      mode: 'overlay',
      durable: false,
      ...(diskBytes === undefined ? {} : { diskBytes }),
    });
    opened.push(workspace);
    return workspace;
  };

  it('freezes across file systems into the very layer a rename would have made', async () => {
    const base = await baseLayer();
    const plain = await open('plain', [base]);
    const quota = await open('quota', [base], 32 * MiB);
    // The writable layer is on its own small file system, not on the store's.
    const upperFs = await statfs(join(parent, 'overlays', 'quota', 'rw', 'upper'));
    expect(upperFs.blocks * upperFs.bsize).toBeLessThanOrEqual(32 * MiB);
    sh(plain.path, CHANGES);
    sh(quota.path, CHANGES);
    const before = await listLayerEntries(quota.path);
    const frozenPlain = await plain.freeze();
    const frozen = await quota.freeze();
    // Content-addressed: the copy (quota) and the rename (plain) store the same layer.
    expect(frozen.layers).toEqual(frozenPlain.layers);
    expect(frozen.layers).toHaveLength(2);
    const layer = store.pathOf(frozen.layers[1]!);
    expect((await lstat(join(layer, 'README.md'))).isCharacterDevice()).toBe(true);
    expect(await findOpaqueDirs(layer, ['lib'])).toEqual(new Set(['lib']));
    // Mounted again on a fresh, empty volume, the tree is the same.
    expect(await listLayerEntries(quota.path)).toEqual(before);
    expect(await readdir(join(parent, 'overlays', 'quota', 'rw', 'upper'))).toEqual([]);
  });

  it('still enforces the quota after a freeze, and releases mount, loop device and image', async () => {
    const base = await baseLayer();
    const workspace = await open('refill', [base], 24 * MiB);
    const image = join(parent, 'overlays', 'refill', 'rw.disk.img');
    sh(workspace.path, 'head -c 4M /dev/zero > a.bin');
    await workspace.freeze();
    expect(sh(workspace.path, '{ head -c 40M /dev/zero > big.bin; } 2>&1 || true')).toContain(
      'No space left on device',
    );
    expect(await loopsBackedUnder(image)).toHaveLength(1);
    await workspace.release();
    expect(await mountsUnder(join(parent, 'overlays', 'refill'))).toEqual([]);
    expect(await loopsBackedUnder(image)).toEqual([]);
    expect(existsSync(image)).toBe(false);
  });

  it('opens again over what a crashed drydock left mounted', async () => {
    const base = await baseLayer();
    const crashed = await open('crashed', [base], 24 * MiB);
    sh(crashed.path, 'echo lost > lost.txt');
    // No release: the next open of the same directory finds the overlay and the volume mounted.
    opened.pop();
    const again = await open('crashed', [base], 24 * MiB);
    expect(existsSync(join(again.path, 'lost.txt'))).toBe(false);
    expect(await loopsBackedUnder(join(parent, 'overlays', 'crashed'))).toHaveLength(1);
  });
});

describe.skipIf(!support.ok)('a clone with a disk quota', () => {
  let repo: string;
  let commit: string;
  const workspace = join(parent, 'sessions', 's1', 'workspace');

  beforeAll(async () => {
    repo = join(parent, 'repo');
    await mkdir(repo);
    git(repo, 'init', '--quiet', '-b', 'main');
    await writeFile(join(repo, 'app.ts'), 'export const answer = 42;\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'init');
    commit = git(repo, 'rev-parse', 'HEAD').trim();
  });
  afterAll(async () => {
    await unmountDiskVolume(workspace);
  });

  it('clones onto an image mounted at the workspace path, and the sandbox reports the quota', async () => {
    await prepareWorkspace(repo, commit, workspace, { diskBytes: 32 * MiB });
    expect(await mountsUnder(workspace)).toEqual([workspace]);
    expect(git(workspace, 'rev-parse', 'HEAD').trim()).toBe(commit);
    expect(git(workspace, 'remote').trim()).toBe('');
    expect(await readdir(workspace)).toEqual(['.git', 'app.ts']);
    const sandbox = await createHostProvider().create({ sessionId: 's1', workspacePath: workspace });
    try {
      expect(sandbox.limits).toMatchObject({
        diskBytes: 32 * MiB,
        disk: { mechanism: 'loop-ext4', image: workspaceDiskImage(workspace) },
      });
    } finally {
      await sandbox.destroy();
    }
  });

  it('keeps the work on resume, mounts it again when gone, and clones again when half done', async () => {
    await prepareWorkspace(repo, commit, workspace, { diskBytes: 32 * MiB });
    await writeFile(join(workspace, 'work.txt'), 'kept\n');
    await unmountDiskVolume(workspace);
    expect(await readdir(workspace)).toEqual([]);
    await remountWorkspaceDisk(workspace);
    expect(await readFile(join(workspace, 'work.txt'), 'utf8')).toBe('kept\n');
    await unmountDiskVolume(workspace);
    await prepareWorkspace(repo, commit, workspace, { diskBytes: 32 * MiB });
    expect(await readFile(join(workspace, 'work.txt'), 'utf8')).toBe('kept\n');
    // A clone that stopped before its last step still has its remote: it is made again.
    git(workspace, 'remote', 'add', 'origin', repo);
    await prepareWorkspace(repo, commit, workspace, { diskBytes: 32 * MiB });
    expect(existsSync(join(workspace, 'work.txt'))).toBe(false);
    expect(git(workspace, 'rev-parse', 'HEAD').trim()).toBe(commit);
    expect(await loopsBackedUnder(workspaceDiskImage(workspace))).toHaveLength(1);
  });

  it('leaves an existing plain clone as it is', async () => {
    const plain = join(parent, 'sessions', 's2', 'workspace');
    await prepareWorkspace(repo, commit, plain);
    await prepareWorkspace(repo, commit, plain, { diskBytes: 32 * MiB });
    expect(await mountsUnder(plain)).toEqual([]);
    expect(existsSync(workspaceDiskImage(plain))).toBe(false);
  });
});
