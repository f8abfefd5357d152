/**
 * MCP servers when a session's sandbox dies mid-run, end to end (real git, bubblewrap, overlayfs,
 * SQLite; scripted models): the sandbox is killed from outside while the agent runs a command, a new
 * one is restored from the last snapshot, and the stdio server that ran in the old one is started again
 * in it before the agent's next call to it, which the new process answers. The remote server (called
 * from the control plane, outside the sandbox) is not started again and keeps answering. A server that
 * does not come back is an `mcp.failed` event, and its tools answer the model why; one that kills its
 * own sandbox each time it starts again (a hostile repository) is started again a bounded number of times.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventData } from '../src/core/events.ts';
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
import { MAX_STDIO_RESTARTS_PER_RUN } from '../src/sessions/mcp-servers/session-mcp.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import {
  bundleToolServer,
  type RemoteToolServer,
  startRemoteToolServer,
} from './support/mcp-tool-servers.ts';

const dir = await mkdtemp(join(tmpdir(), 'drydock-mcp-restore-'));
const home = join(dir, 'home');
const layerStore = await createLayerStore(home);
const { mode, reason } = await detectWorkspaceMode(layerStore);
const provider = createBubblewrapProvider({ killGraceMs: 300, warn: () => {} });
const unavailable = await provider.check().then(
  () => null,
  (error: unknown) => String(error),
);
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const TRACKER_TOKEN = `trk-${randomBytes(12).toString('hex')}`;
/** The command the agent runs when the test kills its sandbox. */
const KILLED = 'sleep 30';
const call = (name: string, input: Record<string, unknown> = {}) => ({ toolCalls: [{ name, input }] });

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(mode !== 'overlay' || unavailable !== null)(
  `MCP servers across a sandbox restore (${reason}${unavailable ? `; ${unavailable}` : ''})`,
  { timeout: 180_000 },
  () => {
    let store: Store;
    let vault: SecretVault;
    let serverCode: string;
    let tracker: RemoteToolServer;
    const started: LayeredSandbox[] = [];
    const sessions: string[] = [];
    const scripts: Record<string, Script> = {};

    beforeAll(async () => {
      serverCode = await bundleToolServer();
      tracker = await startRemoteToolServer(TRACKER_TOKEN);
      store = await openSqliteStore({
        path: join(home, 'drydock.db'),
        clock: systemClock,
        ids: createSequentialIds('r'),
      });
      vault = createSecretVault(store, createSecretBox(randomBytes(32)));
      await vault.set(GLOBAL_SCOPE, 'TRACKER_TOKEN', TRACKER_TOKEN);
    });

    afterAll(async () => {
      for (const id of sessions) await unmountStable(workspacePathOf(home, id)).catch(() => {});
      await store?.close();
      await tracker?.close();
    });

    async function repository(name: string, config: string): Promise<string> {
      const repo = join(dir, name);
      await mkdir(join(repo, '.drydock', 'mcp'), { recursive: true });
      git(repo, 'init', '-q', '-b', 'main');
      await writeFile(join(repo, '.drydock', 'config.yaml'), config);
      await writeFile(join(repo, '.drydock', 'mcp', 'server.mjs'), serverCode);
      await writeFile(join(repo, 'README.md'), '# app\n');
      git(repo, 'add', '-A');
      git(repo, '-c', 'user.email=dev@example.org', '-c', 'user.name=Dev', 'commit', '-q', '-m', 'app');
      return repo;
    }

    function deps(prefix: string): SessionDeps {
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
        ids: createSequentialIds(prefix),
        home,
        budget: DEFAULT_BUDGET,
        vault,
        mcpRemoteAllow: [{ host: '127.0.0.1', port: tracker.port }],
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
      };
    }

    /** Runs the session, killing its sandbox from outside while the agent runs KILLED. */
    async function runKilling(d: SessionDeps, id: string): Promise<EventData[]> {
      sessions.push(id);
      await runSession(d, id, {
        onEvent: (event) => {
          const data = event.data;
          if (data.type === 'tool.call' && (data.input as { command?: string }).command === KILLED) {
            const victim = started.at(-1)!;
            setTimeout(() => process.kill((victim.current as SupervisedSandbox).hostPid!, 'SIGKILL'), 300);
          }
        },
      });
      return (await store.listEvents(id)).map((event) => event.data);
    }

    const results = (events: EventData[]) => events.flatMap((e) => (e.type === 'tool.result' ? [e] : []));
    const after = (events: EventData[], type: EventData['type']) =>
      events.slice(events.findIndex((e) => e.type === type) + 1);

    it('starts the stdio server again in the restored sandbox; the next call reaches it; the remote one is untouched', async () => {
      const repo = await repository(
        'restored',
        [
          'mcp:',
          '  tools:',
          '    command: [node, .drydock/mcp/server.mjs]',
          '  tracker:',
          `    url: ${tracker.url}`,
          '    secret: TRACKER_TOKEN',
          '',
        ].join('\n'),
      );
      scripts.restored = {
        coder: [
          call('mcp__tools__echo', { text: 'before' }),
          call('mcp__tracker__lookup', { key: 'APP-1' }),
          call('bash', { command: KILLED }),
          call('mcp__tools__echo', { text: 'after the restore' }),
          call('mcp__tracker__lookup', { key: 'APP-2' }),
          call('give_up', { reason: 'only calling tools' }),
        ],
      };
      const d = deps('a');
      const created = await createSession(d, { task: 'call tools', repo, model: 'script:restored' });
      const sandboxesBefore = started.length;
      const events = await runKilling(d, created.id);

      expect(started.length - sandboxesBefore, 'one sandbox at the start, one restored').toBe(2);
      expect(events.filter((e) => e.type === 'sandbox.restored')).toHaveLength(1);
      const bash = results(events).find((e) => e.tool === 'bash');
      expect(bash?.output).toContain('replaced it from the snapshot');

      // The stdio server started at the run's start and again after the restore; the remote one once.
      const stdioStarted = { type: 'mcp.started', server: 'tools', transport: 'stdio' };
      expect(events.filter((e) => e.type === 'mcp.started' && e.server === 'tools')).toHaveLength(2);
      expect(after(events, 'sandbox.restored')).toContainEqual(expect.objectContaining(stdioStarted));
      expect(events.filter((e) => e.type === 'mcp.started' && e.server === 'tracker')).toHaveLength(1);
      expect(events.some((e) => e.type === 'mcp.failed')).toBe(false);

      // The calls after the restore are answered: by the new stdio process, and by the remote server.
      const answers = results(events)
        .filter((e) => e.tool.startsWith('mcp__'))
        .map(({ tool, isError, output }) => ({ tool, isError, output }));
      expect(answers).toEqual([
        { tool: 'mcp__tools__echo', isError: false, output: 'echo: before' },
        { tool: 'mcp__tracker__lookup', isError: false, output: 'issue APP-1: the build is red' },
        { tool: 'mcp__tools__echo', isError: false, output: 'echo: after the restore' },
        { tool: 'mcp__tracker__lookup', isError: false, output: 'issue APP-2: the build is red' },
      ]);
      const calls = events.flatMap((e) => (e.type === 'mcp.call' ? [e] : []));
      expect(calls.map(({ server, ok }) => ({ server, ok }))).toEqual([
        { server: 'tools', ok: true },
        { server: 'tracker', ok: true },
        { server: 'tools', ok: true },
        { server: 'tracker', ok: true },
      ]);
      // The remote server got its secret from the control plane throughout, and it never entered the log.
      expect(tracker.requests.every((headers) => headers.authorization === `Bearer ${TRACKER_TOKEN}`)).toBe(
        true,
      );
      expect(JSON.stringify(events)).not.toContain(TRACKER_TOKEN);
    });

    it('records a stdio server that does not come back as mcp.failed, and its tool answers the model why', async () => {
      const repo = await repository(
        'broken',
        ['mcp:', '  tools:', '    command: [node, .drydock/mcp/server.mjs]', ''].join('\n'),
      );
      scripts.broken = {
        coder: [
          call('mcp__tools__echo', { text: 'before' }),
          // The agent breaks the server's code: the running process does not notice, the snapshot keeps it.
          call('write_file', {
            path: '.drydock/mcp/server.mjs',
            content: "process.stderr.write('the agent broke this server\\n');\nprocess.exit(3);\n",
          }),
          call('bash', { command: KILLED }),
          call('mcp__tools__echo', { text: 'after the restore' }),
          call('bash', { command: 'echo still working' }),
          call('give_up', { reason: 'the tools server is gone' }),
        ],
      };
      const d = deps('b');
      const created = await createSession(d, { task: 'call tools', repo, model: 'script:broken' });
      const events = await runKilling(d, created.id);

      expect(events.filter((e) => e.type === 'sandbox.restored')).toHaveLength(1);
      const failed = after(events, 'sandbox.restored').find((e) => e.type === 'mcp.failed');
      expect(failed).toMatchObject({ server: 'tools', transport: 'stdio', reason: 'failed' });
      expect(failed?.type === 'mcp.failed' && failed.message).toContain('the agent broke this server');

      const echoes = results(events).filter((e) => e.tool === 'mcp__tools__echo');
      expect(echoes[0]).toMatchObject({ isError: false, output: 'echo: before' });
      expect(echoes[1]?.isError).toBe(true);
      expect(echoes[1]?.output).toContain(
        'The MCP server tools could not run echo: it did not start again when drydock replaced the sandbox that died',
      );
      expect(echoes[1]?.output).toContain('the agent broke this server');
      // The session goes on without it: the agent's next command runs in the restored sandbox.
      const last = results(events)
        .filter((e) => e.tool === 'bash')
        .at(-1);
      expect(last).toMatchObject({ isError: false, output: expect.stringContaining('still working') });
      const ended = await store.getSession(created.id);
      expect(ended?.state).toBe('bowed_out');
    });

    it('starts a server that kills its own sandbox again only so often: the restores end, the session goes on', async () => {
      // Hostile: once the workspace has the mark, the server kills every process of its sandbox (the
      // supervisor too) each time it starts. The agent leaves the mark after the first start.
      const killer = `test -e .mark && kill -9 -1; exec node .drydock/mcp/server.mjs`;
      const repo = await repository(
        'killer',
        ['mcp:', '  tools:', `    command: [sh, -c, ${JSON.stringify(killer)}]`, ''].join('\n'),
      );
      scripts.killer = {
        coder: [
          call('mcp__tools__echo', { text: 'before' }),
          call('bash', { command: 'touch .mark' }),
          call('bash', { command: KILLED }),
          // Waits until the restores are over: each restart that met a death queued the next.
          call('mcp__tools__echo', { text: 'after the restores' }),
          call('bash', { command: 'echo still working' }),
          call('give_up', { reason: 'the tools server is gone' }),
        ],
      };
      const d = deps('c');
      const created = await createSession(d, { task: 'call tools', repo, model: 'script:killer' });
      const events = await runKilling(d, created.id);

      // The test's kill, then one per restart the server killed; then no more.
      expect(events.filter((e) => e.type === 'sandbox.restored')).toHaveLength(
        1 + MAX_STDIO_RESTARTS_PER_RUN,
      );
      const failures = events.flatMap((e) => (e.type === 'mcp.failed' ? [e] : []));
      expect(failures).toHaveLength(1 + MAX_STDIO_RESTARTS_PER_RUN);
      expect(failures.at(-1)).toMatchObject({ server: 'tools', reason: 'refused' });
      expect(failures.at(-1)?.message).toContain(`at most ${MAX_STDIO_RESTARTS_PER_RUN} times per run`);
      expect(events.filter((e) => e.type === 'mcp.started')).toHaveLength(1);

      const echoes = results(events).filter((e) => e.tool === 'mcp__tools__echo');
      expect(echoes[1]?.isError).toBe(true);
      expect(echoes[1]?.output).toContain(`at most ${MAX_STDIO_RESTARTS_PER_RUN} times per run`);
      const last = results(events)
        .filter((e) => e.tool === 'bash')
        .at(-1);
      expect(last).toMatchObject({ isError: false, output: expect.stringContaining('still working') });
      expect((await store.getSession(created.id))?.state).toBe('bowed_out');
    });
  },
);
