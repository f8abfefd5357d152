/**
 * The warm pool end to end (real git, bubblewrap, overlayfs, SQLite; scripted model): two sessions in a
 * row on a repository with an environment image and a pool of one. The first starts its sandbox (cold)
 * and the pool refills behind it; the second is handed the started one (`workspace.ready { warm }`).
 * Both behave as without a pool: the checkout is at each session's own commit, the start command ran
 * in the sandbox the agent uses, and refused connections land on the session that made them. A pooled
 * sandbox killed while it waits is not handed over. Draining the pool leaves nothing mounted.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventData, SessionEvent } from '../src/core/events.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes, type LayeredSandbox } from '../src/environments/layered-sandbox.ts';
import { createLayeredSandboxPool } from '../src/environments/layered-sandbox-pool.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { mountsUnder } from '../src/sandbox/mount-table.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import type { SessionLayers } from '../src/sessions/session-workspace.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { removeTestDir } from './support/remove-dir.ts';

const dir = await mkdtemp(join(tmpdir(), 'drydock-warm-pool-'));
const home = join(dir, 'home');
const layerStore = await createLayerStore(home);
const { mode, reason } = await detectWorkspaceMode(layerStore);
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

// The start command leaves a mark in the session's workspace (deps/ is ignored): exactly one, when it
// ran once for the sandbox the session was handed. (It runs in that sandbox's services compartment,
// whose /tmp is its own.)
const CONFIG = [
  'setup: mkdir -p deps && echo "from setup" > deps/marker.txt',
  'start: echo "started in $(hostname)" >> deps/started.txt',
  'network:',
  '  allow: [allowed.example.org]',
  '',
].join('\n');

const probe = (denied: string) =>
  `cat version.txt deps/marker.txt deps/started.txt; curl -sS -o /dev/null -x http://127.0.0.1:3128 https://${denied}/ 2>&1; true`;

function commitAll(repo: string, message: string): string {
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.email=dev@example.org', '-c', 'user.name=Dev', 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

const data = (events: SessionEvent[]): EventData[] => events.map((event) => event.data);
const bashOutputs = (events: SessionEvent[]) =>
  data(events)
    .filter((d) => d.type === 'tool.result' && d.tool === 'bash')
    .map((d) => JSON.stringify(d));

describe.skipIf(mode !== 'overlay')(`sessions with a warm pool (${reason})`, () => {
  let store: Store;
  let layers: SessionLayers;
  const scripts: Record<string, Script> = {};
  // Every sandbox started, pooled ones included (as openSessionLayers wires them, plus this record).
  const started: LayeredSandbox[] = [];

  beforeAll(async () => {
    store = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('w'),
    });
    const inner = createLayeredSandboxes({
      provider: createBubblewrapProvider({ killGraceMs: 300 }),
      store: layerStore,
      workspacesDir: join(home, 'overlays'),
      mode,
    });
    const sandboxes = {
      workspaceMode: inner.workspaceMode,
      start: async (...args: Parameters<typeof inner.start>) => {
        const sandbox = await inner.start(...args);
        started.push(sandbox);
        return sandbox;
      },
    };
    layers = { store: layerStore, sandboxes, pool: createLayeredSandboxPool({ sandboxes, size: 1 }) };
  });

  afterAll(async () => {
    await layers?.pool?.drain();
    await store?.close();
    await removeTestDir(dir);
  });

  it('hands the second session a started sandbox; both behave as without a pool; draining unmounts', async () => {
    const repo = join(dir, 'repo');
    await mkdir(join(repo, '.drydock'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    await writeFile(join(repo, '.drydock', 'config.yaml'), CONFIG);
    await writeFile(join(repo, '.gitignore'), 'deps/\n');
    await writeFile(join(repo, 'version.txt'), 'version one\n');
    const first = commitAll(repo, 'one');

    const deps: SessionDeps = {
      store,
      sandboxes: createBubblewrapProvider({ killGraceMs: 300 }),
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
      clock: systemClock,
      ids: createSequentialIds('s'),
      home,
      budget: DEFAULT_BUDGET,
      layers,
    };
    const runOne = async (name: string, denied: string) => {
      scripts[name] = {
        coder: [
          { toolCalls: [{ name: 'bash', input: { command: probe(denied) } }] },
          { toolCalls: [{ name: 'finish', input: { summary: 'looked' } }] },
        ],
      };
      const created = await createSession(deps, { task: `look (${name})`, repo, model: `script:${name}` });
      await runSession(deps, created.id);
      return { id: created.id, events: await store.listEvents(created.id) };
    };

    const a = await runOne('first', 'denied-first.example.org');
    // The pool refilled in the background after the first session took its sandbox.
    await layers.pool!.settled();

    await writeFile(join(repo, 'version.txt'), 'version two\n');
    const second = commitAll(repo, 'two');
    const b = await runOne('second', 'denied-second.example.org');

    const ready = (events: SessionEvent[]) => data(events).find((d) => d.type === 'workspace.ready');
    expect(ready(a.events)).toMatchObject({ type: 'workspace.ready', baseCommit: first, warm: false });
    expect(ready(b.events)).toMatchObject({ type: 'workspace.ready', baseCommit: second, warm: true });

    // The second session reused the first one's image at its own, newer commit.
    const image = (events: SessionEvent[]) => data(events).find((d) => d.type === 'environment.image');
    expect(image(b.events)).toMatchObject({ reused: true });

    const [outA] = bashOutputs(a.events);
    const [outB] = bashOutputs(b.events);
    expect(outA).toContain('version one');
    expect(outB).toContain('version two');
    for (const out of [outA, outB]) {
      expect(out).toContain('from setup');
      // Exactly one start-command mark: the start command ran once, in the sandbox the agent used.
      expect(out!.match(/started in/g)).toHaveLength(1);
    }
    for (const events of [a.events, b.events]) {
      expect(data(events).filter((d) => d.type === 'environment.started')).toHaveLength(1);
    }

    // Refused connections land on the session whose sandbox made them, the pooled one included.
    const blocked = (events: SessionEvent[]) =>
      data(events)
        .filter((d) => d.type === 'network.blocked')
        .map((d) => (d.type === 'network.blocked' ? d.host : ''));
    expect(blocked(a.events)).toEqual(['denied-first.example.org']);
    expect(blocked(b.events)).toEqual(['denied-second.example.org']);

    expect((await store.getSession(a.id))?.state).toBe('bowed_out');
    expect((await store.getSession(b.id))?.state).toBe('bowed_out');

    // A pooled sandbox killed while it waits is replaced, not handed over: the next session runs as usual.
    await layers.pool!.settled();
    const waiting = started.at(-1)!;
    process.kill((waiting.current as SupervisedSandbox).hostPid!, 'SIGKILL');
    await writeFile(join(repo, 'version.txt'), 'version three\n');
    const third = commitAll(repo, 'three');
    const c = await runOne('third', 'denied-third.example.org');
    expect(ready(c.events)).toMatchObject({ type: 'workspace.ready', baseCommit: third, warm: false });
    const [outC] = bashOutputs(c.events);
    expect(outC).toContain('version three');
    expect(outC!.match(/started in/g)).toHaveLength(1);
    expect(data(c.events).map((d) => d.type)).not.toContain('sandbox.restored');
    expect(blocked(c.events)).toEqual(['denied-third.example.org']);

    // One is waiting again for the next session; draining destroys it and releases its mounts.
    await layers.pool!.settled();
    expect((await mountsUnder(dir)).length).toBeGreaterThan(0);
    await layers.pool!.drain();
    expect(await mountsUnder(dir)).toEqual([]);
    expect(await readdir(join(home, 'overlays'))).toEqual([]);
  }, 180_000);
});
