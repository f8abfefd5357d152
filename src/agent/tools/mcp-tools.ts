import type { JSONSchema7 } from 'ai';
import { z } from 'zod';
import type { AgentRole } from '../../core/events.ts';
import { truncateText } from '../../core/truncate.ts';
import { defineTool, type ToolDefinition } from '../tool.ts';

/** A tool an MCP server lists, as the server describes it. */
export interface McpToolInfo {
  name: string;
  description?: string | undefined;
  /** The server's JSON schema of the tool's arguments (an object schema). */
  inputSchema: Record<string, unknown>;
}

/** What a call of an MCP tool came back with: text for the model, and whether the server said it failed. */
export interface McpCallResult {
  text: string;
  isError: boolean;
}

/**
 * One connected MCP server, as the agent's tools need it: the tools it may offer and a way to call
 * one. The session connects it (in the sandbox or from the control plane); the agent never knows where.
 */
export interface McpServerHandle {
  readonly name: string;
  /** The tools the repository allows (its allow/deny lists already applied). */
  readonly tools: readonly McpToolInfo[];
  /** Whether the repository's lists let the agent call this tool (a call to another is refused). */
  allows(tool: string): boolean;
  /** Never throws for the server's own errors: they come back as `isError`. Throws when the server is gone. */
  call(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<McpCallResult>;
}

/** How much of a server's tool description the model reads (a hostile server cannot fill the prompt). */
export const MAX_MCP_DESCRIPTION_CHARS = 1_000;
/** How much of a call's arguments its `mcp.call` event keeps. */
export const MAX_MCP_EVENT_ARGS_CHARS = 500;
const NAME_LIMIT = 64;

/** `mcp__<server>__<tool>`, in the characters model APIs accept for tool names, at most 64 of them. Pure. */
export function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`.slice(0, NAME_LIMIT);
}

const argsSchema = z.record(z.string(), z.unknown());

/**
 * The agent's tools for its MCP servers: one per allowed tool, named `mcp__<server>__<tool>`, with the
 * server's JSON schema as what the model sees. Every call becomes an `mcp.call` event; a call to a tool
 * the repository denies (a model that guessed its name) is refused without reaching the server. The
 * runner truncates and redacts results like any tool's. Two tools whose names collide after cleaning
 * keep the first.
 */
export function createMcpTools(servers: readonly McpServerHandle[], role: AgentRole): ToolDefinition[] {
  const tools = new Map<string, ToolDefinition>();
  for (const server of servers) {
    for (const info of server.tools) {
      const name = mcpToolName(server.name, info.name);
      if (tools.has(name)) continue;
      tools.set(name, mcpTool(server, info, name, role));
    }
  }
  return [...tools.values()];
}

function mcpTool(server: McpServerHandle, info: McpToolInfo, name: string, role: AgentRole): ToolDefinition {
  const description = truncateText(
    `${info.description?.trim() || `The ${info.name} tool`} (MCP server "${server.name}", tool "${info.name}")`,
    MAX_MCP_DESCRIPTION_CHARS,
  );
  return defineTool<Record<string, unknown>>({
    name,
    description,
    inputSchema: argsSchema,
    jsonSchema: objectSchema(info.inputSchema),
    async execute(args, context) {
      const started = Date.now();
      const event = (ok: boolean) => ({
        type: 'mcp.call' as const,
        server: server.name,
        tool: info.name,
        args: truncateText(JSON.stringify(args), MAX_MCP_EVENT_ARGS_CHARS),
        ok,
        durationMs: Date.now() - started,
        role,
      });
      if (!server.allows(info.name)) {
        return {
          output: `The repository does not allow the tool ${info.name} of the MCP server ${server.name}.`,
          isError: true,
          events: [event(false)],
        };
      }
      try {
        const result = await server.call(info.name, args, context.signal);
        return { output: result.text, isError: result.isError, events: [event(!result.isError)] };
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        return {
          output: `The MCP server ${server.name} could not run ${info.name}: ${why}`,
          isError: true,
          events: [event(false)],
        };
      }
    },
  });
}

/** The server's schema as an object schema (what tool inputs are); anything else becomes an open object. */
function objectSchema(schema: Record<string, unknown>): JSONSchema7 {
  if (schema.type !== 'object') return { type: 'object', additionalProperties: true };
  const { $schema: _dialect, ...rest } = schema;
  return rest as JSONSchema7;
}
