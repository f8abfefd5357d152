/**
 * Layered sessions across machines: two data directories stand for two machines (each its own
 * DRYDOCK_HOME and layer store), sharing one SQLite store file and one S3 snapshot store (s3rver).
 * A turn runs on machine A; the follow-up turn runs on machine B, whose layer store starts empty: it
 * fetches A's layers from the snapshot store, and its workspace has A's changes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { SnapshotStore } from '../src/core/ports/snapshot-store.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { createS3SnapshotStore } from '../src/environments/s3-snapshot-store.ts';
import { type S3TestServer, startS3TestServer } from '../src/environments/s3-test-server.ts';
import { unmountStable } from '../src/environments/stable-mount.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { sendMessage } from '../src/sessions/follow-ups.ts';
import { withReadableWorkspace, workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionCheckpoint } from '../src/sessions/session-checkpoint.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { openSessionLayers } from '../src/sessions/session-workspace.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

const dir = await mkdtemp(join(tmpdir(), 'drydock-snapshot-sessions-'));
const { mode, reason } = await detectWorkspaceMode(await createLayerStore(join(dir, 'probe')));
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const reviewer = (DEMO_SCRIPT as { reviewer: ScriptTurn[] }).reviewer;
const edit = (oldText: string, newText: string): ScriptTurn => ({
  toolCalls: [{ name: 'edit_file', input: { path: 'src/stats.js', oldText, newText } }],
});
const firstTurn: ScriptTurn[] = [
  edit('for (let i = 1; i < numbers.length; i++)', 'for (let i = 0; i < numbers.length; i++)'),
  { toolCalls: [{ name: 'bash', input: { command: 'echo from-a > notes.txt' } }] },
  { toolCalls: [{ name: 'finish', input: { summary: 'mean() now counts every element.' } }] },
];
const secondTurn: ScriptTurn[] = [
  edit(
    '/** The arithmetic mean of a list of numbers; 0 for an empty list. */',
    '/** The arithmetic mean (every element counts); 0 for an empty list. */',
  ),
  // Fails unless A's file reached B's workspace.
  {
    toolCalls: [{ name: 'bash', input: { command: 'grep -q from-a notes.txt && echo from-b >> notes.txt' } }],
  },
  { toolCalls: [{ name: 'finish', input: { summary: 'Documented it.' } }] },
];

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(mode !== 'overlay')(`layered sessions across two machines (${reason})`, () => {
  let s3: S3TestServer;
  const scripts: Record<string, Script> = { layered: { coder: firstTurn, reviewer } };
  const stores: Store[] = [];
  const remotes: SnapshotStore[] = [];
  const repo = join(dir, 'repo');
  const homeA = join(dir, 'machine-a');
  const homeB = join(dir, 'machine-b');
  let sessionId = '';

  beforeAll(async () => {
    s3 = await startS3TestServer();
    execFileSync('mkdir', ['-p', repo]);
    await createSampleRepo(repo);
  });
  afterAll(async () => {
    if (sessionId) for (const home of [homeA, homeB]) await unmountStable(workspacePathOf(home, sessionId));
    for (const store of stores) await store.close();
    for (const remote of remotes) await remote.close();
    await s3?.stop();
  });

  /** One machine: its own data directory and layer store; the shared database file and bucket. */
  async function machine(home: string, name: string): Promise<SessionDeps> {
    const ids = createSequentialIds(`${name}-`);
    const store = await openSqliteStore({ path: join(dir, 'shared.db'), clock: systemClock, ids });
    stores.push(store);
    const remote = createS3SnapshotStore({
      bucket: s3.bucket,
      prefix: 'drydock',
      endpoint: s3.endpoint,
      credentials: s3.credentials,
    });
    remotes.push(remote);
    const provider = createBubblewrapProvider({ killGraceMs: 300 });
    const { layers } = await openSessionLayers(home, provider, { snapshotStore: remote });
    if (!layers) throw new Error('overlay mode expected');
    return {
      store,
      sandboxes: provider,
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
      clock: systemClock,
      ids,
      home,
      budget: DEFAULT_BUDGET,
      layers,
    };
  }

  it("runs a follow-up turn on machine B with A's workspace, fetched from the snapshot store", async () => {
    const a = await machine(homeA, 'a');
    const b = await machine(homeB, 'b');
    const created = await createSession(a, { task: DEMO_TASK, repo, model: 'script:layered' });
    sessionId = created.id;

    const first = await runSession(a, sessionId);
    expect(first.state).toBe('delivered');
    const afterA = (await a.store.loadCheckpoint(sessionId)) as unknown as SessionCheckpoint;
    const layersA = afterA.workspace?.layers ?? [];
    expect(layersA.length).toBeGreaterThan(1);
    // Every layer the checkpoint names is in the snapshot store; none is on machine B yet.
    for (const id of layersA) expect(await remotes[0]!.has(id)).toBe(true);
    expect(await b.layers!.store.list()).toEqual([]);

    scripts.layered = { coder: [...firstTurn, ...secondTurn], reviewer };
    await sendMessage(b.store, sessionId, 'Say that every element counts.');
    const second = await runSession(b, sessionId);
    expect({ state: second.state, reason: second.reason }).toEqual({ state: 'delivered', reason: null });
    const events = await b.store.listEvents(sessionId);
    const failedCalls = events.filter((e) => e.data.type === 'tool.result' && e.data.isError);
    expect(failedCalls).toEqual([]);
    for (const id of layersA) expect(await b.layers!.store.has(id)).toBe(true);

    expect(git(repo, 'rev-parse', `${second.branch}^`)).toBe(first.headCommit);
    const stats = git(repo, 'show', `${second.branch}:src/stats.js`);
    expect(stats).toContain('let i = 0;');
    expect(stats).toContain('every element counts');
    expect(git(repo, 'show', `${second.branch}:notes.txt`)).toBe('from-a\nfrom-b');
    const notes = await withReadableWorkspace(b, sessionId, (workspaceB) =>
      readFile(join(workspaceB, 'notes.txt'), 'utf8'),
    );
    expect(notes).toBe('from-a\nfrom-b\n');
    // B's new layers went up too: machine A could take the next turn.
    const afterB = (await b.store.loadCheckpoint(sessionId)) as unknown as SessionCheckpoint;
    for (const id of afterB.workspace?.layers ?? []) expect(await remotes[0]!.has(id)).toBe(true);
  }, 180_000);

  it('resumes on machine B a session that machine A handed off mid-turn', async () => {
    const homeC = join(dir, 'machine-c');
    const homeD = join(dir, 'machine-d');
    const c = await machine(homeC, 'c');
    const d = await machine(homeD, 'd');
    scripts.handOff = {
      coder: [firstTurn[0]!, firstTurn[1]!, secondTurn[1]!, firstTurn[2]!],
      reviewer,
    };
    const created = await createSession(c, { task: DEMO_TASK, repo, model: 'script:handOff' });
    const stop = new AbortController();
    const stopped = await runSession(c, created.id, {
      handOff: stop.signal,
      // A's worker is told to stop as the second step (which writes notes.txt) is recorded.
      onEvent: (event) => {
        if (event.data.type === 'tool.result' && event.data.tool === 'bash') stop.abort();
      },
    });
    expect(stopped.state).toBe('working');
    const log = await c.store.listEvents(created.id);
    expect(log.at(-1)?.data.type).toBe('session.handed_off');
    expect(log.filter((e) => e.data.type === 'tool.result')).toHaveLength(2);
    expect(await d.layers!.store.list()).toEqual([]);

    const resumed = await runSession(d, created.id);
    expect({ state: resumed.state, reason: resumed.reason }).toEqual({ state: 'delivered', reason: null });
    const events = await d.store.listEvents(created.id);
    expect(events.filter((e) => e.data.type === 'tool.result' && e.data.isError)).toEqual([]);
    expect(git(repo, 'show', `${resumed.branch}:notes.txt`)).toBe('from-a\nfrom-b');
    expect(git(repo, 'show', `${resumed.branch}:src/stats.js`)).toContain('let i = 0;');
    for (const home of [homeC, homeD]) await unmountStable(workspacePathOf(home, created.id));
  }, 180_000);
});
