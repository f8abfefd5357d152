/**
 * Sessions on layered workspaces, end to end (real git, bubblewrap, overlayfs, SQLite; scripted model):
 * the workspace is snapshotted after every agent step, a sandbox killed from outside is replaced from
 * the last snapshot and the session carries on, and the workspace stays usable at its stable path for
 * diffs, pulls and a follow-up turn after the session ended.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pullEmbedded } from '../src/cli/commands/pull.ts';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import {
  createLayeredSandboxes,
  type LayeredSandbox,
  type LayeredSandboxes,
} from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { isMounted, unmountStable } from '../src/environments/stable-mount.ts';
import { workspaceDiff } from '../src/forge/local-delivery.ts';
import { workspaceGit } from '../src/forge/workspace-git.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { sendMessage } from '../src/sessions/follow-ups.ts';
import { withReadableWorkspace, workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionCheckpoint } from '../src/sessions/session-checkpoint.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { usesLayers } from '../src/sessions/session-workspace.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

const dir = await mkdtemp(join(tmpdir(), 'drydock-session-layers-'));
const home = join(dir, 'home');
const layerStore = await createLayerStore(home);
const { mode, reason } = await detectWorkspaceMode(layerStore);
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const FIX = {
  name: 'edit_file',
  input: {
    path: 'src/stats.js',
    oldText: 'for (let i = 1; i < numbers.length; i++)',
    newText: 'for (let i = 0; i < numbers.length; i++)',
  },
};
const KILLED = 'sleep 30';
const reviewer = (DEMO_SCRIPT as { reviewer: ScriptTurn[] }).reviewer;
const firstTurn: ScriptTurn[] = [
  { text: 'Fix the loop.', toolCalls: [FIX] },
  { text: 'Something long.', toolCalls: [{ name: 'bash', input: { command: KILLED } }] },
  { toolCalls: [{ name: 'bash', input: { command: 'npm test' } }] },
  { toolCalls: [{ name: 'finish', input: { summary: 'mean() now counts every element.' } }] },
];

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(mode !== 'overlay')(`a session on layered workspaces (${reason})`, () => {
  let store: Store;
  const started: LayeredSandbox[] = [];
  const scripts: Record<string, Script> = { layered: { coder: firstTurn, reviewer } };
  const repo = join(dir, 'repo');
  let sessionId = '';

  afterAll(async () => {
    if (sessionId) await unmountStable(workspacePathOf(home, sessionId));
    await store?.close();
  });

  async function depsFor(): Promise<SessionDeps> {
    store ??= await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('s'),
    });
    const provider = createBubblewrapProvider({ killGraceMs: 300 });
    const inner = createLayeredSandboxes({
      provider,
      store: layerStore,
      workspacesDir: join(home, 'overlays'),
      mode,
    });
    const sandboxes: LayeredSandboxes = {
      workspaceMode: inner.workspaceMode,
      start: async (snapshot, spec) => {
        const sandbox = await inner.start(snapshot, spec);
        started.push(sandbox);
        return sandbox;
      },
    };
    return {
      store,
      sandboxes: provider,
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
      clock: systemClock,
      ids: createSequentialIds('s'),
      home,
      budget: DEFAULT_BUDGET,
      layers: { sandboxes, store: layerStore },
    };
  }

  it('restores a sandbox killed mid-command from the last step and delivers everything before it', async () => {
    execFileSync('mkdir', ['-p', repo]);
    await createSampleRepo(repo);
    const base = git(repo, 'rev-parse', 'HEAD');
    const deps = await depsFor();
    const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:layered' });
    sessionId = created.id;
    const lines: string[] = [];
    const session = await runSession(deps, created.id, {
      onEvent: (event) => {
        const data = event.data;
        if (data.type === 'tool.call' && (data.input as { command?: string }).command === KILLED) {
          const victim = started.at(-1)!;
          setTimeout(() => process.kill((victim.current as SupervisedSandbox).hostPid!, 'SIGKILL'), 300);
        }
        if (data.type === 'sandbox.restored') lines.push(data.reason);
      },
    });

    expect(session.state).toBe('delivered');
    expect(git(repo, 'show', `${session.branch}:src/stats.js`)).toContain('let i = 0;');
    expect(git(repo, 'diff', '--name-only', base, session.branch!)).toBe('src/stats.js');
    expect(lines).toHaveLength(1);
    const events = await store.listEvents(session.id);
    const killed = events.find(
      (event) => event.data.type === 'tool.result' && event.data.tool === 'bash' && event.data.isError,
    );
    expect(JSON.stringify(killed?.data)).toContain('replaced it from the snapshot');
    const restored = events.find((event) => event.data.type === 'sandbox.restored');
    const checkpoint = (await store.loadCheckpoint(session.id)) as unknown as SessionCheckpoint;
    expect(checkpoint.workspace?.layers.length).toBeGreaterThan(0);
    expect(restored?.data.type === 'sandbox.restored' && restored.data.fromLayers.length).toBeGreaterThan(0);

    // The session ended: it holds no mount; a reader gets a view of its last snapshot at the stable
    // path while it reads, and the view goes when the last reader is done.
    const workspace = workspacePathOf(home, session.id);
    expect(await isMounted(workspace)).toBe(false);
    await withReadableWorkspace(deps, session.id, async (path) => {
      expect(path).toBe(workspace);
      expect(await readFile(join(workspace, 'src/stats.js'), 'utf8')).toContain('let i = 0;');
      expect(git(workspace, 'rev-parse', 'HEAD')).toBe(session.headCommit);
      // A second reader at the same time shares the view and does not unmount it under the first.
      await withReadableWorkspace(deps, session.id, async () => {});
      expect(await workspaceDiff(workspaceGit(workspace, deps.sandboxes.confinement), base)).toContain(
        '+  for (let i = 0;',
      );
    });
    expect(await isMounted(workspace)).toBe(false);
    const pulled = await pullEmbedded(deps, session.id);
    expect(pulled.patch).toMatch(/^From [0-9a-f]{40} /m);
    expect(await isMounted(workspace)).toBe(false);
  }, 120_000);

  it('runs a follow-up turn on the last snapshot', async () => {
    const deps = await depsFor();
    const first = (await store.getSession(sessionId))!;
    scripts.layered = {
      coder: [
        ...firstTurn,
        {
          toolCalls: [
            {
              name: 'edit_file',
              input: {
                path: 'src/stats.js',
                oldText: '/** The arithmetic mean of a list of numbers; 0 for an empty list. */',
                newText: '/** The arithmetic mean (every element counts); 0 for an empty list. */',
              },
            },
          ],
        },
        { toolCalls: [{ name: 'finish', input: { summary: 'Documented it.' } }] },
      ],
      reviewer,
    };
    await sendMessage(store, sessionId, 'Say that every element counts.');
    const second = await runSession(deps, sessionId);
    expect(second.state).toBe('delivered');
    expect(second.headCommit).not.toBe(first.headCommit);
    expect(git(repo, 'rev-parse', `${second.branch}^`)).toBe(first.headCommit);
    const stats = git(repo, 'show', `${second.branch}:src/stats.js`);
    expect(stats).toContain('every element counts');
    expect(stats).toContain('let i = 0;');
    const head = await withReadableWorkspace(deps, sessionId, async (workspace) =>
      git(workspace, 'rev-parse', 'HEAD'),
    );
    expect(head).toBe(second.headCommit);
    expect((await pullEmbedded(deps, sessionId)).patch.match(/^From [0-9a-f]{40} /gm)).toHaveLength(2);
  }, 120_000);
});

describe('which sessions run on layers', () => {
  const fake = (workspaceMode: 'overlay' | 'copy') =>
    ({
      sandboxes: { workspaceMode, start: () => Promise.reject(new Error('unused')) },
      store: layerStore,
    }) as const;

  it('keeps the plain clone without layers, in copy mode, and for a workspace that is already a clone', async () => {
    const empty = join(dir, 'no-such-workspace');
    expect(await usesLayers(undefined, empty, undefined)).toBe(false);
    expect(await usesLayers(fake('copy'), empty, undefined)).toBe(false);
    expect(await usesLayers(fake('copy'), empty, { layers: ['x'] })).toBe(false);
    expect(await usesLayers(fake('overlay'), empty, undefined)).toBe(true);
    expect(await usesLayers(fake('overlay'), empty, { layers: ['x'] })).toBe(true);
    const clone = join(dir, 'clone');
    execFileSync('mkdir', ['-p', join(clone, '.git')]);
    expect(await usesLayers(fake('overlay'), clone, undefined)).toBe(false);
  });
});
