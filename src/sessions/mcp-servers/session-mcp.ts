import type { ToolDefinition } from '../../agent/tool.ts';
import type { McpServerHandle } from '../../agent/tools/mcp-tools.ts';
import { createMcpTools } from '../../agent/tools/mcp-tools.ts';
import type { AgentRole } from '../../core/events.ts';
import type { Sandbox } from '../../core/ports/sandbox.ts';
import type { McpServerConfig } from '../../environments/mcp-config.ts';
import type { NamedSecret } from '../../environments/redactor.ts';
import type { SessionRecorder } from '../session-recorder.ts';
import { type ConnectedServer, connectServer } from './connect-server.ts';
import {
  MCP_REMOTE_ALLOW_VARIABLE,
  missingSecrets,
  parseRemoteAllow,
  type RemoteMcpHost,
  remoteRefusal,
  serverSecretNames,
  unseparatedSecrets,
} from './mcp-policy.ts';
import { type StdioSlot, stdioSlot } from './stdio-slot.ts';

/** A run's MCP servers: the ones that came up. Nothing here outlives the run (a resumed run starts them again). */
export interface SessionMcp {
  /** The servers that came up when the run started: their tools are the ones the agent is offered. */
  readonly servers: readonly McpServerHandle[];
  /**
   * The sandbox died and a restored one replaced it: starts each stdio server of the run again in the
   * new sandbox, one by one as at the start (`mcp.started` or `mcp.failed`). Returns at once: a call to a
   * stdio server waits until the restart is over, then reaches the new process or answers why there is
   * none. Remote servers (outside the sandbox) are left as they are. Does nothing after close().
   */
  restartStdio(): void;
  /** Stops every server (stdio ones end with their exec; remote sessions are closed). Idempotent. */
  close(): Promise<void>;
}

/** A run's servers before they start: the run holds it from the beginning, so a restore during start is not missed. */
export interface StartingMcp extends SessionMcp {
  /** Starts the servers; call once. Throws only when recording fails (the session was taken over). */
  start(): Promise<void>;
}

export const NO_MCP: SessionMcp = { servers: [], restartStdio: () => {}, close: async () => {} };

export interface StartMcpOptions {
  servers: readonly McpServerConfig[];
  /** Where stdio servers run: the session's sandbox, whichever one is current (a restore replaces it). */
  sandbox: Sandbox;
  recorder: SessionRecorder;
  /** Every secret the repository can see, opened; a server gets only those its config names. */
  secrets: readonly NamedSecret[];
  /** Remote hosts the operator allows; absent: DRYDOCK_MCP_REMOTE_ALLOW. */
  remoteAllow?: readonly RemoteMcpHost[] | undefined;
  servicesWorkspace?: string | undefined;
  /** Whether the sandbox runs services apart from the agent's processes (its provider's `separateServices`). */
  separated: boolean;
}

/**
 * How many restores in one run start the stdio servers again. Past it they stay down until the next
 * run: a server that kills its own sandbox as it starts (repository content is hostile) would otherwise
 * have drydock restore and restart forever, with no agent step to spend a budget on.
 */
export const MAX_STDIO_RESTARTS_PER_RUN = 3;

type Started = { ok: true; server: ConnectedServer } | { ok: false; message: string };

/**
 * A run's MCP servers, started by `start()` once its sandbox is up, one by one in the config's order,
 * each recorded as `mcp.started` or `mcp.failed`. A server the policy refuses (a remote host the
 * operator did not allow, a secret not set) or that fails to start is left out: the session goes on
 * without it. A stdio server's handle outlives its process: `restartStdio()` replaces the process.
 */
export function createSessionMcp(options: StartMcpOptions): StartingMcp {
  const allowed = options.remoteAllow ?? parseRemoteAllow(process.env[MCP_REMOTE_ALLOW_VARIABLE]);
  const known = new Set(options.secrets.map((secret) => secret.name));
  const repo = options.recorder.session.repo;
  const servers: McpServerHandle[] = [];
  const remotes: ConnectedServer[] = [];
  const slots: StdioSlot[] = [];
  // Start and restarts run one after the other; a stdio server's calls wait for the latest.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>): Promise<void> => {
    const done = queue.then(work);
    queue = done.catch(() => {});
    return done;
  };
  let closed = false;
  let closing: Promise<void> | undefined;

  /** The same path at the start and at a restart: the policy, connecting, and the event. */
  async function startOne(server: McpServerConfig): Promise<Started> {
    const failed = async (reason: 'refused' | 'failed', message: string): Promise<Started> => {
      await options.recorder.record([
        { type: 'mcp.failed', server: server.name, transport: server.transport, reason, message },
      ]);
      return { ok: false, message };
    };
    const refusal =
      (server.transport === 'remote' ? remoteRefusal(server.url, allowed) : null) ??
      missingSecrets(server, known, repo) ??
      unseparatedSecrets(server, options.separated);
    if (refusal !== null) return failed('refused', refusal);
    const names = new Set(serverSecretNames(server));
    let started: ConnectedServer;
    try {
      started = await connectServer(server, {
        sandbox: options.sandbox,
        secrets: options.secrets.filter((secret) => names.has(secret.name)),
        servicesWorkspace: options.servicesWorkspace,
      });
    } catch (error) {
      return failed('failed', error instanceof Error ? error.message : String(error));
    }
    try {
      await options.recorder.record([
        {
          type: 'mcp.started',
          server: server.name,
          transport: server.transport,
          tools: started.handle.tools.map((tool) => tool.name),
          denied: started.denied,
        },
      ]);
    } catch (error) {
      await started.close();
      throw error;
    }
    return { ok: true, server: started };
  }

  async function startAll(): Promise<void> {
    for (const server of options.servers) {
      if (closed) return;
      const started = await startOne(server);
      if (!started.ok) continue;
      if (server.transport === 'remote') {
        remotes.push(started.server);
        servers.push(started.server.handle);
      } else {
        const slot = stdioSlot(server, started.server, () => queue);
        slots.push(slot);
        servers.push(slot.handle);
      }
    }
  }

  let restarts = 0;
  async function restartAll(): Promise<void> {
    restarts++;
    // Past the limit the servers are let go once, saying why; later restores find them down already.
    if (restarts > MAX_STDIO_RESTARTS_PER_RUN + 1) return;
    const over = restarts > MAX_STDIO_RESTARTS_PER_RUN;
    for (const slot of slots) {
      if (closed) return;
      // The old process went with its sandbox: closing its client only lets go of what drydock held.
      await slot.restart(async () => {
        if (over) return refuseRestart(slot.config);
        const started = await startOne(slot.config);
        if (started.ok) return started.server;
        return (
          `it did not start again when drydock replaced the sandbox that died (${started.message}). ` +
          "drydock tries again if the sandbox is replaced again, and at the session's next run."
        );
      });
    }
  }

  async function refuseRestart(server: McpServerConfig): Promise<string> {
    const message =
      `not started again: its sandbox was replaced ${restarts} times in this run, and drydock starts ` +
      `stdio servers again at most ${MAX_STDIO_RESTARTS_PER_RUN} times per run. The session's next run starts it.`;
    await options.recorder.record([
      { type: 'mcp.failed', server: server.name, transport: 'stdio', reason: 'refused', message },
    ]);
    return `it is ${message}`;
  }

  return {
    servers,
    start: () => enqueue(startAll),
    restartStdio() {
      // restartAll never throws: a server that does not come back is an event and its calls' answer.
      if (!closed) enqueue(restartAll).catch(() => {});
    },
    close() {
      closing ??= (async () => {
        closed = true;
        await queue;
        await Promise.all([...remotes.map((server) => server.close()), ...slots.map((slot) => slot.close())]);
      })();
      return closing;
    },
  };
}

/** The MCP tools of a run's servers for one role, by name. */
export function mcpToolsFor(mcp: SessionMcp | undefined, role: AgentRole): ToolDefinition[] {
  return createMcpTools(mcp?.servers ?? [], role);
}
