import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../../test/fakes/memory-sandbox.ts';
import { runTool } from '../run-tool.ts';
import { createMcpTools, MAX_MCP_DESCRIPTION_CHARS, type McpServerHandle, mcpToolName } from './mcp-tools.ts';

function server(overrides: Partial<McpServerHandle> = {}): McpServerHandle & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'docs',
    tools: [
      {
        name: 'search',
        description: 'x'.repeat(5000),
        inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
      },
      { name: 'odd.name/v2', inputSchema: { type: 'string' } },
    ],
    allows: () => true,
    async call(tool, args) {
      calls.push(`${tool} ${JSON.stringify(args)}`);
      return { text: `found ${String(args.q)}`, isError: false };
    },
    calls,
    ...overrides,
  };
}

const context = () => ({ sandbox: createMemorySandbox(), signal: new AbortController().signal });

describe('MCP tools', () => {
  it('are namespaced in the characters model APIs accept, with the server schema and a bounded description', () => {
    const [search, odd] = createMcpTools([server()], 'coder');
    expect(search?.name).toBe('mcp__docs__search');
    expect(search?.jsonSchema).toEqual({
      type: 'object',
      properties: { q: { type: 'string' } },
      required: ['q'],
    });
    expect(search?.description.length).toBeLessThanOrEqual(MAX_MCP_DESCRIPTION_CHARS + 100);
    expect(odd?.name).toBe('mcp__docs__odd_name_v2');
    // A schema that is not an object's is offered as an open object.
    expect(odd?.jsonSchema).toEqual({ type: 'object', additionalProperties: true });
    expect(mcpToolName('s', 'y'.repeat(100))).toHaveLength(64);
  });

  it('calls the server and logs the call', async () => {
    const docs = server();
    const tools = new Map(createMcpTools([docs], 'reviewer').map((tool) => [tool.name, tool]));
    const run = await runTool(tools, 'mcp__docs__search', { q: 'sandbox' }, context());
    expect(run).toMatchObject({ output: 'found sandbox', isError: false });
    expect(docs.calls).toEqual(['search {"q":"sandbox"}']);
    expect(run.events).toEqual([
      expect.objectContaining({
        type: 'mcp.call',
        server: 'docs',
        tool: 'search',
        args: '{"q":"sandbox"}',
        ok: true,
        role: 'reviewer',
      }),
    ]);
  });

  it('refuses a tool the repository does not allow without calling the server', async () => {
    const docs = server({ allows: (tool) => tool !== 'search' });
    const tools = new Map(createMcpTools([docs], 'coder').map((tool) => [tool.name, tool]));
    const run = await runTool(tools, 'mcp__docs__search', { q: 'x' }, context());
    expect(run.isError).toBe(true);
    expect(run.output).toMatch(/does not allow the tool search/);
    expect(docs.calls).toEqual([]);
    expect(run.events).toEqual([expect.objectContaining({ type: 'mcp.call', ok: false })]);
  });

  it('turns a server that is gone into an error the model reads', async () => {
    const docs = server({
      call: async () => {
        throw new Error('the server ended (exit code 1)');
      },
    });
    const tools = new Map(createMcpTools([docs], 'coder').map((tool) => [tool.name, tool]));
    const run = await runTool(tools, 'mcp__docs__search', { q: 'x' }, context());
    expect(run).toMatchObject({ isError: true });
    expect(run.output).toMatch(/could not run search: the server ended/);
  });
});
