/**
 * Layered workspaces end to end on this machine: a bubblewrap sandbox on an overlay of stored layers,
 * snapshots that round-trip every kind of change, restore after the sandbox is killed from outside,
 * and drydock's host-side git on the merged view. Skipped where overlayfs cannot be mounted.
 */
import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaseLayer } from '../src/environments/base-layer.ts';
import { findOpaqueDirs, type LayerEntry, listLayerEntries } from '../src/environments/layer-digest.ts';
import { createLayerStore, type LayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes, type LayeredSandbox } from '../src/environments/layered-sandbox.ts';
import {
  detectWorkspaceMode,
  openLayeredWorkspace,
  squashStack,
} from '../src/environments/layered-workspace.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';

const home = await mkdtemp(join(tmpdir(), 'drydock-layered-'));
const store: LayerStore = await createLayerStore(home);
const { mode, reason } = await detectWorkspaceMode(store);

// safe.directory: a root drydock's workspaces are the sandbox user's (src/environments/tree-owner.ts).
const git = (cwd: string, ...args: string[]): string =>
  execFileSync(
    'git',
    [
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.invalid',
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'safe.directory=*',
      ...args,
    ],
    { cwd, encoding: 'utf8' },
  );

/** The tree as drydock sees it, for comparing a restored workspace with a plain copy. */
async function treeOf(root: string): Promise<LayerEntry[]> {
  // The index records inode numbers and times, which differ between any two copies.
  return (await listLayerEntries(root)).filter((entry) => entry.path !== '.git/index');
}

/** Every kind of change a snapshot must carry: add, modify, delete a file and a directory, chmod, symlink, a recreated directory. */
const CHANGES = [
  'echo new > added.txt',
  'echo changed >> src/main.ts',
  'rm README.md',
  'rm -r docs',
  'chmod 755 scripts/run.sh',
  'ln -s src/main.ts main-link',
  'rm -r lib && mkdir lib && echo fresh > lib/only.ts',
  'mkdir -p deep/a/b && echo x > deep/a/b/c.txt',
].join(' && ');

describe.skipIf(mode !== 'overlay')(`layered workspace (${reason})`, () => {
  let repo: string;
  let base: string;
  const provider = createBubblewrapProvider({ killGraceMs: 300 });
  const workspacesDir = join(home, 'workspaces');
  const live = createLayeredSandboxes({ provider, store, workspacesDir, mode });
  const restarting = createLayeredSandboxes({
    provider,
    store,
    workspacesDir,
    mode,
    snapshotMode: 'restart',
  });
  const started: LayeredSandbox[] = [];
  const start = async (layers: string[], sandboxes = live): Promise<LayeredSandbox> => {
    const sandbox = await sandboxes.start({ layers }, { sessionId: 'layers', readOnlyPaths: ['.git'] });
    started.push(sandbox);
    return sandbox;
  };

  beforeAll(async () => {
    repo = join(home, 'repo');
    execFileSync('mkdir', [
      '-p',
      join(repo, 'src'),
      join(repo, 'docs/guide'),
      join(repo, 'lib'),
      join(repo, 'scripts'),
    ]);
    execFileSync(
      'sh',
      [
        '-c',
        'echo "# repo" > README.md && echo "export {}" > src/main.ts && echo guide > docs/guide/a.md && ' +
          'echo old > lib/old.ts && echo "#!/bin/sh" > scripts/run.sh && chmod 644 scripts/run.sh',
      ],
      { cwd: repo },
    );
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    base = await createBaseLayer(store, repo, git(repo, 'rev-parse', 'HEAD').trim());
  });

  afterAll(async () => {
    for (const sandbox of started) await sandbox.destroy().catch(() => {});
    await rm(home, { recursive: true, force: true });
  });

  it.each(['live', 'restart'] as const)(
    'round-trips every kind of change through a %s snapshot into a new sandbox',
    async (snapshotMode) => {
      const sandbox = await start([base], snapshotMode === 'live' ? live : restarting);
      const run = await sandbox.exec(CHANGES);
      expect(run.output).toBe('');
      expect(run.exitCode).toBe(0);
      const expected = await treeOf(sandbox.hostWorkspacePath);

      const snapshot = await sandbox.snapshot();
      expect(snapshot.layers).toHaveLength(2);
      expect(snapshot.layers[0]).toBe(base);
      // The frozen layer holds only the change: whiteouts for deletions, an opaque dir for the recreated one.
      const layer = store.pathOf(snapshot.layers[1]!);
      const entries = await listLayerEntries(layer);
      expect(entries.filter((entry) => entry.type === 'whiteout').map((entry) => entry.path)).toEqual([
        'README.md',
        'docs',
      ]);
      expect([...(await findOpaqueDirs(layer, ['lib']))]).toEqual(['lib']);
      expect(entries.some((entry) => entry.path.startsWith('.git/objects'))).toBe(false);
      // The same handle goes on working, on the new stack.
      expect((await sandbox.exec('cat lib/only.ts; ls')).output).toBe(
        'fresh\nadded.txt\ndeep\nlib\nmain-link\nscripts\nsrc\n',
      );
      expect(sandbox.stack).toEqual(snapshot.layers);
      expect(await treeOf(sandbox.hostWorkspacePath)).toEqual(expected);
      await sandbox.destroy();

      const restored = await start(snapshot.layers);
      expect(await treeOf(restored.hostWorkspacePath)).toEqual(expected);
      expect((await restored.exec('stat -c %a scripts/run.sh; readlink main-link')).output).toBe(
        '755\nsrc/main.ts\n',
      );

      // A plain copy of the view (what a full-copy snapshot would give) is the same tree too.
      const copy = join(home, `copy-${snapshotMode}`);
      execFileSync('cp', ['-a', `${restored.hostWorkspacePath}/.`, copy]);
      expect(await treeOf(copy)).toEqual(expected);
      await restored.destroy();
    },
  );

  it('keeps processes running across a live snapshot, and captures later changes incrementally', async () => {
    const sandbox = await start([base]);
    const background = await sandbox.exec('sleep 300 > /dev/null 2>&1 & echo $!');
    const pid = background.output.trim();
    await sandbox.exec('echo one > one.txt && echo two > two.txt && rm README.md');
    const first = await sandbox.snapshot();
    expect((await sandbox.exec(`kill -0 ${pid} && echo alive`)).output).toBe('alive\n');
    // Nothing new: the same layer, not a second copy.
    expect(await sandbox.snapshot()).toEqual(first);

    await sandbox.exec('echo three >> two.txt && echo four > four.txt');
    const second = await sandbox.snapshot();
    expect(second.layers).toHaveLength(2);
    expect(second.layers[1]).not.toBe(first.layers[1]);
    const captured = (await listLayerEntries(store.pathOf(second.layers[1]!))).map((entry) => entry.path);
    expect(captured).toEqual(['README.md', 'four.txt', 'one.txt', 'two.txt']);
    // An unchanged file is a hard link into the previous capture's layer, not a copy.
    const inode = async (layer: string, path: string): Promise<number> =>
      (await lstat(join(store.pathOf(layer), path))).ino;
    expect(await inode(second.layers[1]!, 'one.txt')).toBe(await inode(first.layers[1]!, 'one.txt'));
    expect(await inode(second.layers[1]!, 'two.txt')).not.toBe(await inode(first.layers[1]!, 'two.txt'));
    expect((await sandbox.exec(`kill -0 ${pid} && echo alive`)).output).toBe('alive\n');
    const expected = await treeOf(sandbox.hostWorkspacePath);
    await sandbox.destroy();

    const restored = await start(second.layers);
    expect(await treeOf(restored.hostWorkspacePath)).toEqual(expected);
    expect((await restored.exec('cat two.txt four.txt')).output).toBe('two\nthree\nfour\n');
    await restored.destroy();
  });

  it('does not store a layer when nothing changed', async () => {
    const sandbox = await start([base]);
    await sandbox.exec('cat README.md > /dev/null');
    expect((await sandbox.snapshot()).layers).toEqual([base]);
    await sandbox.destroy();
  });

  it('restores the last snapshot after the sandbox is killed from outside, losing only later changes', async () => {
    const sandbox = await start([base]);
    await sandbox.writeFile('turn1.txt', 'one');
    const first = await sandbox.snapshot();
    await sandbox.writeFile('turn2.txt', 'in flight');
    const pid = (sandbox.current as SupervisedSandbox).hostPid!;
    process.kill(pid, 'SIGKILL');
    const dead = await sandbox.exec('true').catch((error: unknown) => error);
    expect(dead).toBeInstanceOf(Error);
    await sandbox.destroy();

    const restored = await start(first.layers);
    expect((await restored.exec('cat turn1.txt; ls')).output).toBe(
      'oneREADME.md\ndocs\nlib\nscripts\nsrc\nturn1.txt\n',
    );
    await restored.destroy();
  });

  it('keeps .git read-only to the agent while drydock runs git on the merged view', async () => {
    const sandbox = await start([base]);
    const tamper = await sandbox.exec('echo "[core]" >> .git/config');
    expect(tamper.exitCode).not.toBe(0);
    await sandbox.exec('echo more >> src/main.ts && echo n > new.ts');
    const path = sandbox.hostWorkspacePath;
    expect(git(path, 'status', '--porcelain')).toBe(' M src/main.ts\n?? new.ts\n');
    expect(git(path, 'diff')).toContain('+more');
    git(path, 'add', '-A');
    git(path, 'commit', '-q', '-m', 'agent work');
    const snapshot = await sandbox.snapshot();
    await sandbox.destroy();
    const restored = await start(snapshot.layers);
    expect(git(restored.hostWorkspacePath, 'log', '--format=%s')).toBe('agent work\nbase\n');
    expect(git(restored.hostWorkspacePath, 'status', '--porcelain')).toBe('');
    await restored.destroy();
  });

  it('squashes the bottom of a stack into one layer with the same tree', async () => {
    const sandbox = await start([base], restarting);
    await sandbox.exec('rm -r docs && echo a > a.txt');
    await sandbox.snapshot();
    await sandbox.exec('rm -r lib && mkdir lib && echo b > lib/b.ts && rm a.txt');
    const deep = await sandbox.snapshot();
    await sandbox.exec('echo top > top.txt');
    const stack = (await sandbox.snapshot()).layers;
    expect(stack).toHaveLength(4);
    expect(deep.layers).toHaveLength(3);
    await sandbox.destroy();

    const squashed = await squashStack(store, stack, 3, mode);
    expect(squashed.layers).toHaveLength(2);
    expect(squashed.layers[1]).toBe(stack[3]);
    const before = await openLayeredWorkspace({ store, dir: join(home, 'ws-a'), stack, mode });
    const after = await openLayeredWorkspace({
      store,
      dir: join(home, 'ws-b'),
      stack: squashed.layers,
      mode,
    });
    try {
      expect(await treeOf(after.path)).toEqual(await treeOf(before.path));
      expect(await readFile(join(after.path, 'lib/b.ts'), 'utf8')).toBe('b\n');
    } finally {
      await before.release();
      await after.release();
    }
  });

  it('squashes a stack past the policy depth when it is opened, whiteouts and all, and snapshots go on from there', async () => {
    const sandbox = await start([base], restarting);
    await sandbox.exec('rm -r docs && echo a > a.txt');
    await sandbox.snapshot();
    await sandbox.exec('rm -r lib && mkdir lib && echo b > lib/b.ts && rm a.txt');
    await sandbox.snapshot();
    await sandbox.exec('echo top > top.txt');
    const stack = (await sandbox.snapshot()).layers;
    expect(stack).toHaveLength(4);
    await sandbox.destroy();

    const asIs = await openLayeredWorkspace({
      store,
      dir: join(home, 'ws-as-is'),
      stack,
      mode,
      squash: false,
    });
    const opened = await openLayeredWorkspace({
      store,
      dir: join(home, 'ws-squashed'),
      stack,
      mode,
      squash: { maxDepth: 3, keepTop: 1 },
    });
    try {
      expect(asIs.stack).toEqual(stack);
      // The bottom three became one layer; the newest stays as it was.
      expect(opened.stack).toHaveLength(2);
      expect(stack).not.toContain(opened.stack[0]);
      expect(opened.stack[1]).toBe(stack[3]);
      expect(await treeOf(opened.path)).toEqual(await treeOf(asIs.path));
      await expect(lstat(join(opened.path, 'docs'))).rejects.toThrow(/ENOENT/);
      await expect(lstat(join(opened.path, 'a.txt'))).rejects.toThrow(/ENOENT/);
      expect(await readFile(join(opened.path, 'lib/b.ts'), 'utf8')).toBe('b\n');
      await expect(lstat(join(opened.path, 'lib/old.ts'))).rejects.toThrow(/ENOENT/);

      execFileSync('sh', ['-c', 'echo after > after.txt'], { cwd: opened.path });
      const next = await opened.freeze();
      expect(next.layers.slice(0, 2)).toEqual(opened.stack.slice(0, 2));
      expect(next.layers).toHaveLength(3);
    } finally {
      await asIs.release();
      await opened.release();
    }
  });

  it('squashes by default past 32 layers, in passes of at most 48, through the layered sandboxes', async () => {
    // 90 one-file layers on the base: one squash of 48 leaves it past 32, so it takes two.
    const stack = [base];
    for (let index = 0; index < 90; index++) {
      const staging = await store.stagingDir();
      execFileSync('sh', ['-c', `echo ${index} > layer-${index}.txt && echo ${index} > latest.txt`], {
        cwd: staging,
      });
      stack.push((await store.adopt(staging, { durable: false })).id);
    }
    const asIs = await openLayeredWorkspace({
      store,
      dir: join(home, 'ws-deep'),
      stack,
      mode,
      squash: false,
    });
    const sandbox = await start(stack);
    try {
      // 91 → 44 (the bottom 48 squashed) → 9 (the bottom 36): the newest 8 stay.
      expect(sandbox.stack).toHaveLength(9);
      expect(sandbox.stack.slice(1)).toEqual(stack.slice(-8));
      expect(await treeOf(sandbox.hostWorkspacePath)).toEqual(await treeOf(asIs.path));
      expect((await sandbox.exec('cat latest.txt layer-0.txt')).output).toBe('89\n0\n');
      const snapshot = await sandbox.snapshot();
      expect(snapshot.layers.slice(0, 9)).toEqual(sandbox.stack.slice(0, 9));
    } finally {
      await asIs.release();
      await sandbox.destroy();
    }
  });
});
