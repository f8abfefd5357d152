import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { build } from 'rolldown';
import { z } from 'zod';

/**
 * test/fixtures/mcp/tool-server.ts and the SDK in one JavaScript file, to copy into a test repository:
 * in the sandbox there is no node_modules of ours.
 */
export async function bundleToolServer(): Promise<string> {
  const result = await build({
    input: join(import.meta.dirname, '..', 'fixtures', 'mcp', 'tool-server.ts'),
    platform: 'node',
    write: false,
    output: { format: 'esm' },
  });
  const chunk = result.output[0];
  return chunk.code;
}

/** A remote MCP server on a port of this process: streamable HTTP, stateless, with a bearer token. */
export interface RemoteToolServer {
  url: string;
  port: number;
  /** The headers of every request it received, refused ones included. */
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startRemoteToolServer(token: string): Promise<RemoteToolServer> {
  const requests: IncomingHttpHeaders[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.headers);
    if (request.headers.authorization !== `Bearer ${token}`) {
      response.writeHead(401).end('unauthorized');
      return;
    }
    const mcp = new McpServer({ name: 'tracker', version: '1.0.0' });
    mcp.registerTool(
      'lookup',
      { description: 'Looks an issue up.', inputSchema: { key: z.string() } },
      async ({ key }) => ({ content: [{ type: 'text', text: `issue ${key}: the build is red` }] }),
    );
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    void mcp.connect(transport).then(() => transport.handleRequest(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
