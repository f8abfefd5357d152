/**
 * The `start` phase end to end (real git, bubblewrap, SQLite; scripted model): a service the start
 * command launches answers the agent's commands, gets the start-only secret the agent does not see,
 * and comes back when a dead sandbox is replaced from its snapshot (layered workspaces). On a plain
 * clone (layers off) setup runs in the session's own workspace.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../src/core/events.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import { GLOBAL_SCOPE, type Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes, type LayeredSandbox } from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createSecretVault, type SecretVault } from '../src/environments/secret-vault.ts';
import { unmountStable } from '../src/environments/stable-mount.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

const dir = await mkdtemp(join(tmpdir(), 'drydock-env-services-'));
const home = join(dir, 'home');
const layerStore = await createLayerStore(home);
const { mode, reason } = await detectWorkspaceMode(layerStore);
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const PASSWORD = `pw-${randomBytes(6).toString('hex')}`;
// A service on the sandbox's own loopback, started in the background; the script waits until it answers.
const START_SCRIPT = `#!/bin/bash
# Services write their tree (a pid file, a database's files): it is the sandbox user's, copy or overlay.
echo $$ > scripts/service.pid || exit 1
nohup node -e "require('http').createServer((q, s) => s.end('pong ' + (process.env.DB_PASSWORD ? 'with-password' : 'without'))).listen(5433, '127.0.0.1')" >/tmp/service.log 2>&1 &
for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/5433) 2>/dev/null && exit 0; sleep 0.05; done
echo "the service did not start" >&2; exit 1
`;
const CONFIG = [
  'setup: mkdir -p deps && echo "from setup" > deps/marker.txt',
  'start: bash scripts/start-service.sh',
  'secrets:',
  '  start: [DB_PASSWORD]',
  '',
].join('\n');
const PROBE = `node -e "fetch('http://127.0.0.1:5433').then(r => r.text()).then(t => console.log('service says', t))"; echo "agent sees [$DB_PASSWORD]"; cat deps/marker.txt`;
const KILLED = 'sleep 30';

async function makeRepo(path: string): Promise<void> {
  await mkdir(join(path, '.drydock'), { recursive: true });
  await mkdir(join(path, 'scripts'), { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  await writeFile(join(path, '.drydock', 'config.yaml'), CONFIG);
  await writeFile(join(path, 'scripts', 'start-service.sh'), START_SCRIPT);
  await writeFile(join(path, '.gitignore'), 'deps/\n');
  git(path, 'add', '-A');
  git(
    path,
    '-c',
    'user.email=dev@example.org',
    '-c',
    'user.name=Dev',
    'commit',
    '-q',
    '-m',
    'app with a service',
  );
}

const probes = (events: SessionEvent[]) =>
  events
    .map((event) => event.data)
    .filter((data) => data.type === 'tool.result' && data.tool === 'bash')
    .map((data) => JSON.stringify(data));

describe('the start phase', () => {
  let store: Store;
  let vault: SecretVault;
  const started: LayeredSandbox[] = [];
  const sessions: string[] = [];
  const scripts: Record<string, Script> = {};
  const provider = createBubblewrapProvider({ killGraceMs: 300 });

  beforeAll(async () => {
    store = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('e'),
    });
    vault = createSecretVault(store, createSecretBox(randomBytes(32)));
    await vault.set(GLOBAL_SCOPE, 'DB_PASSWORD', PASSWORD);
  });

  afterAll(async () => {
    for (const id of sessions) await unmountStable(workspacePathOf(home, id)).catch(() => {});
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function deps(layered: boolean, idPrefix = layered ? 'l' : 'p'): SessionDeps {
    const inner = createLayeredSandboxes({
      provider,
      store: layerStore,
      workspacesDir: join(home, 'overlays'),
      mode,
    });
    return {
      store,
      sandboxes: provider,
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
      clock: systemClock,
      ids: createSequentialIds(idPrefix),
      home,
      budget: DEFAULT_BUDGET,
      vault,
      ...(layered
        ? {
            layers: {
              store: layerStore,
              sandboxes: {
                workspaceMode: inner.workspaceMode,
                start: async (snapshot, spec) => {
                  const sandbox = await inner.start(snapshot, spec);
                  started.push(sandbox);
                  return sandbox;
                },
              },
            },
          }
        : {}),
    };
  }

  it('on a plain clone: setup runs in the workspace, the service answers, the start secret stays with it', async () => {
    const repo = join(dir, 'plain-repo');
    await makeRepo(repo);
    scripts.plain = {
      coder: [
        { toolCalls: [{ name: 'bash', input: { command: PROBE } }] },
        { toolCalls: [{ name: 'finish', input: { summary: 'looked' } }] },
      ],
    };
    const d = deps(false);
    const created = await createSession(d, { task: 'probe the service', repo, model: 'script:plain' });
    sessions.push(created.id);
    await runSession(d, created.id);
    const events = await store.listEvents(created.id);
    const types = events.map((event) => event.data.type);
    expect(types).toContain('environment.setup');
    expect(types).not.toContain('environment.image');
    expect(types.filter((type) => type === 'environment.started')).toHaveLength(1);
    const [probe] = probes(events);
    expect(probe).toContain('service says pong with-password');
    expect(probe).toContain('agent sees []');
    expect(probe).toContain('from setup');
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  }, 120_000);

  it.skipIf(!provider.capabilities.separateServices)(
    "keeps the start secret out of the agent's reach: no service process in its /proc, however it reads",
    async () => {
      const repo = join(dir, 'snoop-repo');
      await makeRepo(repo);
      // Every environment in /proc, encoded so a redaction of the raw value would not catch it.
      const snoop =
        "for f in /proc/[0-9]*/environ; do cat $f; echo; done | base64 -w0; echo; echo '--- ps'; ps -eo args";
      scripts.snoop = {
        coder: [
          { toolCalls: [{ name: 'bash', input: { command: snoop } }] },
          { toolCalls: [{ name: 'bash', input: { command: PROBE } }] },
          { toolCalls: [{ name: 'finish', input: { summary: 'looked' } }] },
        ],
      };
      const d = deps(false, 'snoop');
      const created = await createSession(d, { task: 'snoop', repo, model: 'script:snoop' });
      sessions.push(created.id);
      await runSession(d, created.id);
      const events = await store.listEvents(created.id);
      const outputs = events.flatMap((event) =>
        event.data.type === 'tool.result' && event.data.tool === 'bash' ? [event.data.output] : [],
      );
      const [environs, probe] = outputs;
      const encoded = environs?.split('\n')[0] ?? '';
      expect(encoded.length).toBeGreaterThan(0);
      expect(Buffer.from(encoded, 'base64').toString('utf8')).toContain('PATH=');
      expect(Buffer.from(encoded, 'base64').toString('utf8')).not.toContain(PASSWORD);
      expect(environs).toContain('--- ps');
      expect(environs).not.toContain('createServer');
      // The service still answers the agent, with its secret.
      expect(probe).toContain('service says pong with-password');
      expect(probe).toContain('agent sees []');
      const started = events.find((event) => event.data.type === 'environment.started');
      expect(started?.data).toMatchObject({ separated: true });
    },
    120_000,
  );

  it.skipIf(mode !== 'overlay')(
    `on layers (${reason}): the service comes back when a dead sandbox is replaced`,
    async () => {
      const repo = join(dir, 'layered-repo');
      await makeRepo(repo);
      scripts.layered = {
        coder: [
          { toolCalls: [{ name: 'bash', input: { command: PROBE } }] },
          { toolCalls: [{ name: 'bash', input: { command: KILLED } }] },
          { toolCalls: [{ name: 'bash', input: { command: PROBE } }] },
          { toolCalls: [{ name: 'finish', input: { summary: 'looked twice' } }] },
        ],
      };
      const d = deps(true);
      const created = await createSession(d, {
        task: 'probe the service twice',
        repo,
        model: 'script:layered',
      });
      sessions.push(created.id);
      await runSession(d, created.id, {
        onEvent: (event) => {
          const data = event.data;
          if (data.type === 'tool.call' && (data.input as { command?: string }).command === KILLED) {
            const victim = started.at(-1)!;
            setTimeout(() => process.kill((victim.current as SupervisedSandbox).hostPid!, 'SIGKILL'), 300);
          }
        },
      });
      const events = await store.listEvents(created.id);
      const types = events.map((event) => event.data.type);
      expect(types).toContain('environment.image');
      expect(types).toContain('environment.building');
      expect(types).toContain('environment.command');
      expect(types).toContain('sandbox.restored');
      // Once at the start, once after the restore.
      expect(types.filter((type) => type === 'environment.started')).toHaveLength(2);
      const [first, killed, second] = probes(events);
      expect(first).toContain('service says pong with-password');
      expect(killed).toContain('replaced it from the snapshot');
      expect(second).toContain('service says pong with-password');
      expect(second).toContain('from setup');
      expect(JSON.stringify(events)).not.toContain(PASSWORD);
    },
    120_000,
  );
});
