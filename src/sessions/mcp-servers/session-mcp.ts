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

/** A run's MCP servers: the ones that came up. Nothing here outlives the run (a resumed run starts them again). */
export interface SessionMcp {
  readonly servers: readonly McpServerHandle[];
  /** Stops every server (stdio ones end with their exec; remote sessions are closed). Idempotent. */
  close(): Promise<void>;
}

export const NO_MCP: SessionMcp = { servers: [], close: async () => {} };

export interface StartMcpOptions {
  servers: readonly McpServerConfig[];
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
 * Starts a run's MCP servers once its sandbox is up, one by one in the config's order, recording each
 * as `mcp.started` or `mcp.failed`. A server the policy refuses (a remote host the operator did not
 * allow, a secret not set) or that fails to start is left out: the session goes on without it.
 */
export async function startSessionMcp(options: StartMcpOptions): Promise<SessionMcp> {
  if (options.servers.length === 0) return NO_MCP;
  const allowed = options.remoteAllow ?? parseRemoteAllow(process.env[MCP_REMOTE_ALLOW_VARIABLE]);
  const known = new Set(options.secrets.map((secret) => secret.name));
  const repo = options.recorder.session.repo;
  const connected: ConnectedServer[] = [];
  for (const server of options.servers) {
    const failed = (reason: 'refused' | 'failed', message: string) =>
      options.recorder.record([
        { type: 'mcp.failed', server: server.name, transport: server.transport, reason, message },
      ]);
    const refusal =
      (server.transport === 'remote' ? remoteRefusal(server.url, allowed) : null) ??
      missingSecrets(server, known, repo) ??
      unseparatedSecrets(server, options.separated);
    if (refusal !== null) {
      await failed('refused', refusal);
      continue;
    }
    const names = new Set(serverSecretNames(server));
    try {
      const started = await connectServer(server, {
        sandbox: options.sandbox,
        secrets: options.secrets.filter((secret) => names.has(secret.name)),
        servicesWorkspace: options.servicesWorkspace,
      });
      connected.push(started);
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
      await failed('failed', error instanceof Error ? error.message : String(error));
    }
  }
  let closing: Promise<void> | undefined;
  return {
    servers: connected.map((server) => server.handle),
    close() {
      closing ??= Promise.all(connected.map((server) => server.close())).then(() => {});
      return closing;
    },
  };
}

/** The MCP tools of a run's servers for one role, by name. */
export function mcpToolsFor(mcp: SessionMcp | undefined, role: AgentRole): ToolDefinition[] {
  return createMcpTools(mcp?.servers ?? [], role);
}
