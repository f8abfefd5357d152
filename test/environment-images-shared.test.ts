/**
 * An environment image built on one machine is used on another through the snapshot store: machine B,
 * whose layer store is empty, reuses A's image (fetching its layers) instead of running setup again.
 * Real git, bubblewrap, overlayfs, a directory snapshot store; one SQLite store shared by both.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/ports/clock.ts';
import { createFileSnapshotStore } from '../src/environments/file-snapshot-store.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { prepareEnvironment } from '../src/environments/prepare-environment.ts';
import { NO_SECRETS } from '../src/environments/secret-vault.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { baseLayerFor, openSessionLayers, type SessionLayers } from '../src/sessions/session-workspace.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { removeTestDir } from './support/remove-dir.ts';

const dir = await mkdtemp(join(tmpdir(), 'drydock-env-shared-'));
const { mode, reason } = await detectWorkspaceMode(await createLayerStore(join(dir, 'probe')));

afterAll(async () => {
  await removeTestDir(dir);
});

describe.skipIf(mode !== 'overlay')(`environment images across machines (${reason})`, () => {
  it("machine B reuses machine A's image, fetching its layers from the snapshot store", async () => {
    const repo = join(dir, 'repo');
    await mkdir(join(repo, '.drydock'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
    git('init', '-q', '-b', 'main');
    await writeFile(
      join(repo, '.drydock', 'config.yaml'),
      'setup: mkdir -p deps && echo built-on-a > deps/where\n',
    );
    await writeFile(join(repo, '.gitignore'), 'deps/\n');
    git('add', '-A');
    git('-c', 'user.email=dev@example.org', '-c', 'user.name=Dev', 'commit', '-q', '-m', 'init');
    const commit = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();

    const store = await openSqliteStore({
      path: join(dir, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('e'),
    });
    const snapshotStore = await createFileSnapshotStore(join(dir, 'snapshots'));
    const provider = createBubblewrapProvider({ killGraceMs: 300 });
    const machine = async (name: string): Promise<SessionLayers> => {
      const { layers } = await openSessionLayers(join(dir, name), provider, { snapshotStore });
      if (!layers) throw new Error('overlay mode expected');
      return layers;
    };
    const prepare = (layers: SessionLayers) =>
      prepareEnvironment(
        {
          store,
          clock: systemClock,
          vault: NO_SECRETS,
          layers,
          baseLayer: (r, c) => baseLayerFor(layers.store, r, c),
          confinement: provider.confinement,
        },
        { repo, commit },
      );
    try {
      const a = await machine('a');
      const built = await prepare(a);
      expect(built.built).toBe(true);
      expect(built.log).toContain('mkdir -p deps');

      const b = await machine('b');
      expect(await b.store.list()).toEqual([]);
      const reused = await prepare(b);
      expect(reused.built).toBe(false);
      expect(reused.decision?.action).toBe('reuse');
      expect(reused.image?.id).toBe(built.image?.id);
      for (const id of built.image!.layers) expect(await b.store.has(id)).toBe(true);
      // The setup layer holds what setup wrote on A.
      const setupLayer = b.store.pathOf(built.image!.layers.at(-1)!);
      expect(await readdir(join(setupLayer, 'deps'))).toEqual(['where']);
    } finally {
      await store.close();
    }
  }, 120_000);
});
