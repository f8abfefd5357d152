import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpCallResult, McpServerHandle, McpToolInfo } from '../../agent/tools/mcp-tools.ts';
import type { Sandbox } from '../../core/ports/sandbox.ts';
import type { McpServerConfig } from '../../environments/mcp-config.ts';
import type { NamedSecret } from '../../environments/redactor.ts';
import { toolAllowed } from './mcp-policy.ts';
import { SandboxStdioTransport } from './sandbox-stdio-transport.ts';

/** How long a server may take to start and list its tools, and one call to answer. */
export const MCP_CONNECT_TIMEOUT_MS = 30_000;
export const MCP_CALL_TIMEOUT_MS = 120_000;
/** Tools past this many (over every page) are not offered: a server cannot flood the model's tool list. */
export const MAX_MCP_TOOLS_PER_SERVER = 100;

const CLIENT_INFO = { name: 'drydock', version: '1' };

/** A connected server: its handle for the agent, the tools the lists kept from it, and how to stop it. */
export interface ConnectedServer {
  handle: McpServerHandle;
  denied: string[];
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Where a stdio server runs: the session's sandbox. */
  sandbox: Sandbox;
  /** The secrets the server's config names, opened (checked present beforehand). */
  secrets: readonly NamedSecret[];
  /** Run a stdio server that holds secrets apart from the agent's processes (`compartment: 'services'`). */
  servicesWorkspace?: string | undefined;
}

/**
 * Starts (stdio, in the sandbox) or reaches (remote, from the control plane) one server and lists its
 * tools. A remote server's secrets go into request headers here, outside the sandbox; a stdio server's
 * into its process's environment, in the services compartment where the agent cannot read them back.
 * Throws when the server does not come up; the caller goes on without it.
 */
export async function connectServer(
  config: McpServerConfig,
  options: ConnectOptions,
): Promise<ConnectedServer> {
  const value = (name: string) => options.secrets.find((secret) => secret.name === name)?.value ?? '';
  let transport: Transport;
  if (config.transport === 'stdio') {
    const env = Object.fromEntries(config.env.map((name) => [name, value(name)]));
    transport = new SandboxStdioTransport(options.sandbox, config.command, {
      env,
      ...(config.env.length > 0
        ? { compartment: 'services' as const, servicesWorkspace: options.servicesWorkspace }
        : {}),
    });
  } else {
    const headers = Object.fromEntries(
      Object.entries(config.headers).map(([header, name]) => [
        header,
        header.toLowerCase() === 'authorization' ? `Bearer ${value(name)}` : value(name),
      ]),
    );
    // No redirects at all: the secret headers go to the allowed host and nowhere else.
    // Loaded when a repository names a remote server: the SDK's client is slow to import for every CLI start.
    const { StreamableHTTPClientTransport } = await import(
      '@modelcontextprotocol/sdk/client/streamableHttp.js'
    );
    transport = new StreamableHTTPClientTransport(new URL(config.url), {
      requestInit: { headers, redirect: 'error' },
    });
  }
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const client = new Client(CLIENT_INFO);
  // Errors surface through the calls that meet them; a stray one must not crash the worker.
  client.onerror = () => {};
  try {
    await client.connect(transport, { timeout: MCP_CONNECT_TIMEOUT_MS });
    const listed = await listTools(client);
    const allowed = listed.filter((tool) => toolAllowed(config.tools, tool.name));
    const denied = listed.filter((tool) => !toolAllowed(config.tools, tool.name)).map((tool) => tool.name);
    const handle: McpServerHandle = {
      name: config.name,
      tools: allowed.slice(0, MAX_MCP_TOOLS_PER_SERVER),
      allows: (tool) => toolAllowed(config.tools, tool),
      async call(tool, args, signal): Promise<McpCallResult> {
        const result = await client.callTool({ name: tool, arguments: args }, undefined, {
          signal,
          timeout: MCP_CALL_TIMEOUT_MS,
        });
        return { text: resultText(result), isError: result.isError === true };
      },
    };
    return { handle, denied, close: () => client.close().catch(() => {}) };
  } catch (error) {
    await client.close().catch(() => {});
    const stderr = transport instanceof SandboxStdioTransport ? transport.stderrTail.trim() : '';
    if (stderr === '') throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${why}; the server's stderr ends: ${stderr.split('\n').slice(-5).join('\n')}`, {
      cause: error,
    });
  }
}

async function listTools(client: Client): Promise<McpToolInfo[]> {
  const tools: McpToolInfo[] = [];
  let cursor: string | undefined;
  // Pages until the server stops or the cap is reached: a server cannot keep drydock listing forever.
  for (let page = 0; page < 20 && tools.length < 1000; page++) {
    const listed = await client.listTools(cursor === undefined ? {} : { cursor }, {
      timeout: MCP_CONNECT_TIMEOUT_MS,
    });
    for (const tool of listed.tools) {
      tools.push({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema as Record<string, unknown>,
      });
    }
    cursor = listed.nextCursor;
    if (cursor === undefined) break;
  }
  return tools;
}

/** A call's content as text: text parts as they are, structured content as JSON, other parts named. */
function resultText(result: Awaited<ReturnType<Client['callTool']>>): string {
  const content = Array.isArray(result.content) ? (result.content as Array<Record<string, unknown>>) : [];
  const parts = content.map((part) => {
    if (part.type === 'text' && typeof part.text === 'string') return part.text;
    if (part.type === 'resource_link') return `[resource ${String(part.uri)}]`;
    if (part.type === 'resource') {
      const resource = (part.resource ?? {}) as Record<string, unknown>;
      return typeof resource.text === 'string' ? resource.text : `[resource ${String(resource.uri)}]`;
    }
    return `[${String(part.type)} content not shown]`;
  });
  if (parts.length === 0 && result.structuredContent !== undefined) {
    return JSON.stringify(result.structuredContent);
  }
  return parts.join('\n');
}
