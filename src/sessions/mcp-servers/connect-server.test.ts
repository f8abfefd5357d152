import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemorySandbox } from '../../../test/fakes/memory-sandbox.ts';
import type { ExecOptions } from '../../core/ports/sandbox.ts';
import { connectServer } from './connect-server.ts';

/**
 * A memory sandbox whose exec plays a stdio MCP server (the SDK's, in this process) over the exec's
 * stdin and onOutput: the transport and the client run as they do against a real sandbox.
 */
function sandboxWithServer() {
  const seen: Array<{
    command: string | readonly string[];
    env: ExecOptions['env'];
    compartment: ExecOptions['compartment'];
  }> = [];
  let exited = false;
  const sandbox = createMemorySandbox({}, async (command, options) => {
    seen.push({ command, env: options.env, compartment: options.compartment });
    const server = new McpServer({ name: 'fake', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text: `echo: ${text}` }],
    }));
    server.registerTool('drop_table', {}, async () => ({ content: [{ type: 'text', text: 'dropped' }] }));
    server.registerTool('fail', {}, async () => ({ content: [{ type: 'text', text: 'no' }], isError: true }));
    const transport: Transport = {
      start: async () => {},
      send: async (message) => options.onOutput?.(serializeMessage(message), 'stdout'),
      close: async () => {},
    };
    await server.connect(transport);
    const buffer = new ReadBuffer();
    for await (const chunk of options.stdin ?? []) {
      buffer.append(Buffer.from(chunk));
      for (let message = buffer.readMessage(); message !== null; message = buffer.readMessage()) {
        transport.onmessage?.(message);
      }
    }
    exited = true;
    return { exitCode: 0 };
  });
  return { sandbox, seen, exited: () => exited };
}

describe('connectServer (stdio, over the sandbox)', () => {
  it('lists the allowed tools, calls them, and stops the server on close', async () => {
    const { sandbox, seen, exited } = sandboxWithServer();
    const connected = await connectServer(
      {
        name: 'db',
        transport: 'stdio',
        command: ['node', 'server.mjs'],
        env: ['DB_TOKEN'],
        tools: { allow: null, deny: ['drop_*'] },
      },
      { sandbox, secrets: [{ name: 'DB_TOKEN', value: 'tok-1' }] },
    );
    expect(connected.handle.tools.map((tool) => tool.name)).toEqual(['echo', 'fail']);
    expect(connected.denied).toEqual(['drop_table']);
    expect(connected.handle.allows('drop_table')).toBe(false);
    // The secret goes to the server's process, apart from the agent's.
    expect(seen).toEqual([
      { command: ['node', 'server.mjs'], env: { DB_TOKEN: 'tok-1' }, compartment: 'services' },
    ]);
    const signal = new AbortController().signal;
    expect(await connected.handle.call('echo', { text: 'hi' }, signal)).toEqual({
      text: 'echo: hi',
      isError: false,
    });
    expect(await connected.handle.call('fail', {}, signal)).toEqual({ text: 'no', isError: true });
    await connected.close();
    expect(exited()).toBe(true);
  });

  it('fails with the reason when the server ends before it answers', async () => {
    const sandbox = createMemorySandbox({}, (_command, options) => {
      options.onOutput?.('Error: Cannot find module server.mjs\n', 'stderr');
      return { exitCode: 1 };
    });
    await expect(
      connectServer(
        {
          name: 'gone',
          transport: 'stdio',
          command: ['node', 'server.mjs'],
          env: [],
          tools: { allow: null, deny: [] },
        },
        { sandbox, secrets: [] },
      ),
    ).rejects.toThrow(/Cannot find module/);
  });
});
