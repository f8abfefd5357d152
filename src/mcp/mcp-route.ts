import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { TooLargeError } from '../core/errors.ts';
import { MAX_BODY_BYTES } from '../server/app.ts';
import { authenticate } from '../server/auth.ts';
import type { AppEnv, ServerMount } from '../server/server-deps.ts';
import { createDrydockMcpServer } from './drydock-mcp-server.ts';
import type { McpCaller } from './mcp-caller.ts';
import type { McpDeps } from './mcp-deps.ts';

export interface McpRouteOptions {
  /** An MCP session no request came for in this long is closed; default 24 h. */
  idleMs?: number;
  /** MCP sessions one token may hold; opening one more closes its least recently used. Default 32. */
  maxSessionsPerToken?: number;
}

interface McpSessionEntry {
  tokenId: string;
  /** The token as its latest request read it (the role checked is the current one). */
  caller: McpCaller;
  transport: WebStandardStreamableHTTPServerTransport;
  lastUsedMs: number;
  idle: NodeJS.Timeout | null;
}

/**
 * `/mcp` on `drydock up` (docs/mcp.md): MCP's streamable HTTP transport, with the API's bearer tokens. The
 * SDK's web-standard transport takes hono's `Request` and answers with a `Response` (its documented hono
 * use), so no Node request bridging is needed. Sessions are stateful: a client's subscriptions and the
 * notifications they bring live on the MCP session it opened with `initialize` (an `Mcp-Session-Id`),
 * which only the token that opened it may use; to anyone else it does not exist (404).
 */
export function mcpMount(options: McpRouteOptions = {}): ServerMount {
  const mounted: Array<McpRoutes> = [];
  return {
    path: '/mcp',
    create: (deps) => {
      const routes = mcpRoutes(deps, options);
      mounted.push(routes);
      return routes.app;
    },
    async close() {
      for (const routes of mounted.splice(0)) await routes.close();
    },
  };
}

export interface McpRoutes {
  app: Hono<AppEnv>;
  /** Closes every MCP session: their streams end and their subscriptions stop following. */
  close(): Promise<void>;
  /** MCP sessions open now. */
  sessionCount(): number;
}

export function mcpRoutes(deps: McpDeps, options: McpRouteOptions = {}): McpRoutes {
  const idleMs = options.idleMs ?? 24 * 60 * 60 * 1000;
  const maxPerToken = options.maxSessionsPerToken ?? 32;
  const sessions = new Map<string, McpSessionEntry>();
  const app = new Hono<AppEnv>();

  const touch = (id: string, entry: McpSessionEntry) => {
    entry.lastUsedMs = Date.now();
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = setTimeout(() => {
      sessions.delete(id);
      void entry.transport.close();
    }, idleMs);
    entry.idle.unref();
  };
  const closeOldest = (tokenId: string) => {
    const held = [...sessions.entries()].filter(([, entry]) => entry.tokenId === tokenId);
    if (held.length < maxPerToken) return;
    held.sort(([, a], [, b]) => a.lastUsedMs - b.lastUsedMs);
    for (const [id, entry] of held.slice(0, held.length - maxPerToken + 1)) {
      sessions.delete(id);
      if (entry.idle) clearTimeout(entry.idle);
      void entry.transport.close();
    }
  };

  app.use('*', authenticate(deps.sessions.store));
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new TooLargeError('body_too_large', `The body is over ${MAX_BODY_BYTES} bytes.`);
      },
    }),
  );

  app.all('/', async (c) => {
    const token = c.get('token');
    const sessionId = c.req.header('mcp-session-id');
    if (sessionId !== undefined) {
      const entry = sessions.get(sessionId);
      if (!entry || entry.tokenId !== token.id) {
        return rpcError(
          404,
          -32001,
          'No such MCP session (it ended, or belongs to another token): initialize again.',
        );
      }
      entry.caller = { kind: 'token', token };
      touch(sessionId, entry);
      return entry.transport.handleRequest(c.req.raw);
    }
    if (c.req.method !== 'POST') {
      return rpcError(400, -32000, 'No MCP session: send initialize (a POST without Mcp-Session-Id) first.');
    }
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return rpcError(400, -32700, 'The body is not JSON.');
    }
    if (!isInitializeRequest(body)) {
      return rpcError(400, -32000, 'No MCP session: send initialize (a POST without Mcp-Session-Id) first.');
    }
    closeOldest(token.id);
    const entry: McpSessionEntry = {
      tokenId: token.id,
      caller: { kind: 'token', token },
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, entry);
          touch(id, entry);
        },
        maxRequestBodySize: MAX_BODY_BYTES,
      }),
      lastUsedMs: Date.now(),
      idle: null,
    };
    entry.transport.onclose = () => {
      const id = entry.transport.sessionId;
      if (id !== undefined && sessions.get(id) === entry) sessions.delete(id);
      if (entry.idle) clearTimeout(entry.idle);
    };
    const server = createDrydockMcpServer(deps, () => entry.caller);
    await server.connect(entry.transport);
    return entry.transport.handleRequest(c.req.raw, { parsedBody: body });
  });

  return {
    app,
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      for (const entry of open) {
        if (entry.idle) clearTimeout(entry.idle);
        await entry.transport.close();
      }
    },
    sessionCount: () => sessions.size,
  };
}

/** A JSON-RPC error answer with no id, as the transport itself answers requests it refuses. */
function rpcError(status: 400 | 404, code: number, message: string): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });
}
