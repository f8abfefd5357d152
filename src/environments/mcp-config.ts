import { z } from 'zod';

/** Which of a server's tools the agent is offered: globs (`*` any run of characters) on tool names. */
export interface McpToolFilter {
  /** Only tools matching one of these; null: every tool. */
  allow: string[] | null;
  /** Never tools matching one of these (over allow). */
  deny: string[];
}

/**
 * An MCP server a repository declares in `.drydock/config.yaml` (`mcp:`). A `stdio` server is a
 * command started inside the session's sandbox, under its network policy; a `remote` one is a
 * streamable-HTTP URL the control plane calls, with credentials from the vault that never enter the
 * sandbox (docs/mcp.md, "MCP tools for the agent").
 */
export type McpServerConfig =
  | {
      name: string;
      transport: 'stdio';
      command: string[];
      /** Secret names (from the vault) given to the server's process as environment variables. */
      env: string[];
      tools: McpToolFilter;
    }
  | {
      name: string;
      transport: 'remote';
      url: string;
      /** Header name → secret name; the header carries the secret's value. */
      headers: Record<string, string>;
      tools: McpToolFilter;
    };

const secretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  message: 'expected a secret name (letters, digits, _)',
});

const tools = z
  .object({ allow: z.array(z.string().min(1)).optional(), deny: z.array(z.string().min(1)).optional() })
  .strict()
  .optional();

const server = z
  .object({
    command: z.array(z.string().min(1)).min(1).optional(),
    env: z.array(secretName).optional(),
    url: z
      .string()
      .url({ message: 'expected an http(s) URL' })
      .refine((url) => /^https?:\/\//i.test(url), { message: 'expected an http(s) URL' })
      .optional(),
    /** Sent as `Authorization: Bearer <value>`. */
    secret: secretName.optional(),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, { message: 'expected an HTTP header name' }), secretName)
      .optional(),
    tools,
  })
  .strict()
  .refine((s) => (s.command === undefined) !== (s.url === undefined), {
    message: 'give either command (a stdio server run in the sandbox) or url (a remote server), not both',
  })
  .refine((s) => s.url !== undefined || (s.secret === undefined && s.headers === undefined), {
    message: 'secret and headers are for a remote server (url); a stdio server gets secrets through env',
  })
  .refine((s) => s.command !== undefined || s.env === undefined, {
    message: 'env is for a stdio server (command); a remote server gets secrets through secret or headers',
  });

/** `mcp:` in `.drydock/config.yaml`: servers by name. */
export const mcpConfigSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, {
    message: 'expected a server name of lowercase letters, digits, _ and - (at most 32)',
  }),
  server,
);

/** The normalized servers of a parsed `mcp:` key, in the order the file names them. Pure. */
export function mcpServers(raw: z.infer<typeof mcpConfigSchema> | undefined): McpServerConfig[] {
  return Object.entries(raw ?? {}).map(([name, s]): McpServerConfig => {
    const filter: McpToolFilter = { allow: s.tools?.allow ?? null, deny: s.tools?.deny ?? [] };
    if (s.command !== undefined) {
      return { name, transport: 'stdio', command: s.command, env: s.env ?? [], tools: filter };
    }
    const headers: Record<string, string> = {
      ...(s.secret ? { Authorization: s.secret } : {}),
      ...s.headers,
    };
    return { name, transport: 'remote', url: s.url ?? '', headers, tools: filter };
  });
}
