/**
 * A session whose agent fills its workspace's disk quota (real git, bubblewrap, overlayfs, loop-mounted
 * ext4, SQLite; scripted model): the command fails with ENOSPC, the tool result carries drydock's note,
 * the agent deletes the file, and the session is delivered. Once on a layered workspace, once on a
 * plain clone. Mounts and loop devices are removed at the end, failing or not.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes } from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { diskQuotaSupport } from '../src/sandbox/disk-quota.ts';
import { readMounts } from '../src/sandbox/mount-table.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { withReadableWorkspace, workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { sweepSessionLeftovers } from '../src/sessions/workspace-gc.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { loopsBackedUnder, removeTestDir } from './support/remove-dir.ts';

const MiB = 1024 * 1024;
const dir = await mkdtemp(join(tmpdir(), 'drydock-session-disk-'));
const support = await diskQuotaSupport();
const probeStore = await createLayerStore(join(dir, 'probe'));
const { mode } = await detectWorkspaceMode(probeStore);

const FILL = 'head -c 64M /dev/zero > big.bin';
const reviewer = (DEMO_SCRIPT as { reviewer: ScriptTurn[] }).reviewer;
const coder: ScriptTurn[] = [
  {
    text: 'Fix the loop.',
    toolCalls: [
      {
        name: 'edit_file',
        input: {
          path: 'src/stats.js',
          oldText: 'for (let i = 1; i < numbers.length; i++)',
          newText: 'for (let i = 0; i < numbers.length; i++)',
        },
      },
    ],
  },
  { text: 'A big download.', toolCalls: [{ name: 'bash', input: { command: FILL } }] },
  { text: 'The quota is full: make room.', toolCalls: [{ name: 'bash', input: { command: 'rm big.bin' } }] },
  { toolCalls: [{ name: 'bash', input: { command: 'npm test' } }] },
  { toolCalls: [{ name: 'finish', input: { summary: 'mean() now counts every element.' } }] },
];
const scripts: Record<string, Script> = { disk: { coder, reviewer } };

afterAll(async () => {
  await removeTestDir(dir);
});

describe.skipIf(!support.ok)('a session that fills its disk quota', () => {
  const stores: Store[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
  });

  async function depsFor(home: string, layered: boolean): Promise<SessionDeps> {
    const store = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('s'),
    });
    stores.push(store);
    const provider = createBubblewrapProvider({ killGraceMs: 300 });
    const layerStore = await createLayerStore(home);
    const sandboxes = createLayeredSandboxes({
      provider,
      store: layerStore,
      workspacesDir: join(home, 'overlays'),
      mode: 'overlay',
    });
    return {
      store,
      sandboxes: provider,
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
      clock: systemClock,
      ids: createSequentialIds('s'),
      home,
      budget: DEFAULT_BUDGET,
      limits: { diskBytes: 32 * MiB },
      ...(layered ? { layers: { sandboxes, store: layerStore } } : {}),
    };
  }

  async function runFilling(
    name: string,
    layered: boolean,
  ): Promise<{ home: string; sessionId: string; deps: SessionDeps }> {
    const home = join(dir, name);
    const repo = join(dir, `${name}-repo`);
    await mkdir(repo, { recursive: true });
    await createSampleRepo(repo);
    const deps = await depsFor(home, layered);
    const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:disk' });
    const session = await runSession(deps, created.id);
    expect(session.state).toBe('delivered');
    expect(
      execFileSync('git', ['show', `${session.branch}:src/stats.js`], { cwd: repo, encoding: 'utf8' }),
    ).toContain('let i = 0;');
    const events = await deps.store.listEvents(session.id);
    const calls = events.filter((event) => event.data.type === 'tool.call').map((event) => event.data);
    const results = events.filter((event) => event.data.type === 'tool.result').map((event) => event.data);
    const fillIndex = calls.findIndex((data) => JSON.stringify(data).includes(FILL));
    expect(fillIndex).toBeGreaterThanOrEqual(0);
    const fill = JSON.stringify(results[fillIndex]);
    expect(fill).toContain('No space left on device');
    expect(fill).toContain("the workspace's disk quota of 32 MiB is full");
    // After `rm big.bin` the note is gone.
    expect(JSON.stringify(results[fillIndex + 1])).not.toContain('disk quota');
    return { home, sessionId: session.id, deps };
  }

  it.skipIf(mode !== 'overlay')(
    'on a layered workspace: ENOSPC, the note, room made, delivered; no loop device left',
    async () => {
      const { home } = await runFilling('layered', true);
      // The run's writable layer went with its sandbox: no disk image is left mounted.
      expect(await loopsBackedUnder(join(home, 'overlays'))).toEqual([]);
    },
    120_000,
  );

  it('on a clone: ENOSPC, the note, room made, delivered; the image stays mounted for diffs', async () => {
    const { home, sessionId, deps } = await runFilling('clone', false);
    const workspace = workspacePathOf(home, sessionId);
    const mount = (await readMounts()).find((entry) => entry.mountPoint === workspace);
    expect(mount?.fsType).toBe('ext4');
    expect(await loopsBackedUnder(`${workspace}.disk.img`)).toHaveLength(1);
    // The next start's sweep unmounts the ended session's image; reading the workspace mounts it again.
    const swept = await sweepSessionLeftovers(deps);
    expect(swept.map(({ action, path }) => `${action} ${path}`)).toContain(`unmount ${workspace}`);
    expect(await loopsBackedUnder(`${workspace}.disk.img`)).toEqual([]);
    const head = await withReadableWorkspace(deps, sessionId, async (path) => {
      expect(path).toBe(workspace);
      // safe.directory: as root, the workspace is the sandbox user's.
      return execFileSync('git', ['-c', 'safe.directory=*', 'rev-parse', 'HEAD'], {
        cwd: path,
        encoding: 'utf8',
      }).trim();
    });
    expect(head).toBe((await deps.store.getSession(sessionId))?.headCommit);
  }, 120_000);
});
