import type { McpServerConfig, McpToolFilter } from '../../environments/mcp-config.ts';

/** The environment variable naming the remote MCP hosts a repository may name (comma-separated). */
export const MCP_REMOTE_ALLOW_VARIABLE = 'DRYDOCK_MCP_REMOTE_ALLOW';

/** One host a repository may name in a remote server's url: a name (any port) or `name:port`. */
export interface RemoteMcpHost {
  host: string;
  port: number | null;
}

/** `mcp.example.org, tools.example.com:8443` → hosts; empty or absent → none. Pure. */
export function parseRemoteAllow(text: string | undefined): RemoteMcpHost[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = /^(.*):(\d{1,5})$/.exec(entry);
      return match ? { host: match[1] ?? '', port: Number(match[2]) } : { host: entry, port: null };
    });
}

/**
 * Why the control plane will not call a remote server's url, or null when it may: only hosts the
 * operator allowed (`DRYDOCK_MCP_REMOTE_ALLOW`), so a repository cannot make drydock send its secrets,
 * or its requests, anywhere it likes. Pure.
 */
export function remoteRefusal(url: string, allowed: readonly RemoteMcpHost[]): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url} is not a URL`;
  }
  const host = parsed.hostname.toLowerCase();
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  if (allowed.some((rule) => rule.host === host && (rule.port === null || rule.port === port))) return null;
  const allowing =
    allowed.length === 0
      ? 'this drydock allows no remote MCP hosts'
      : `this drydock allows only ${allowed.map((rule) => (rule.port === null ? rule.host : `${rule.host}:${rule.port}`)).join(', ')}`;
  return `${host}:${port} is not an allowed remote MCP host (${allowing}). An operator allows hosts with ${MCP_REMOTE_ALLOW_VARIABLE}=host[:port],…`;
}

/** The secret names a server needs: a stdio server's env, a remote server's headers. Pure. */
export function serverSecretNames(server: McpServerConfig): string[] {
  return server.transport === 'stdio' ? server.env : Object.values(server.headers);
}

/** Why a server cannot have its secrets (names not set in the vault), or null. Pure. */
export function missingSecrets(
  server: McpServerConfig,
  known: ReadonlySet<string>,
  repo: string,
): string | null {
  const missing = serverSecretNames(server).filter((name) => !known.has(name));
  if (missing.length === 0) return null;
  return `.drydock/config.yaml gives the MCP server ${server.name} ${missing.join(', ')}, but ${missing.length === 1 ? 'it is' : 'they are'} not set. Set ${missing.length === 1 ? 'it' : 'each'} with: echo -n VALUE | drydock secret set ${missing[0]} --repo ${repo}`;
}

/**
 * Why a stdio server may not have its secrets, or null: they go into its process's environment, which the
 * agent's commands can read in `/proc` unless the sandbox runs services in a compartment of their own (as
 * root: docs/sandbox.md). Without one the server is not started, rather than started with its secrets in
 * the agent's reach. Pure.
 */
export function unseparatedSecrets(server: McpServerConfig, separated: boolean): string | null {
  if (separated || server.transport !== 'stdio' || server.env.length === 0) return null;
  return `the MCP server ${server.name} has secrets (${server.env.join(', ')}), and this sandbox cannot keep a server's environment from the agent's commands (services are separated only where drydock runs as root: docs/sandbox.md). Run drydock as root, or give the server no env secrets.`;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** Whether the repository's lists let the agent have this tool: allowed (or no allow list) and not denied. Pure. */
export function toolAllowed(filter: McpToolFilter, tool: string): boolean {
  const matches = (globs: readonly string[]) => globs.some((glob) => globToRegExp(glob).test(tool));
  if (matches(filter.deny)) return false;
  return filter.allow === null || matches(filter.allow);
}
