import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../test/fakes/memory-sandbox.ts';
import { createRedactor } from '../environments/redactor.ts';
import { MAX_TOOL_OUTPUT_CHARS, runTool } from './run-tool.ts';
import { createCodingTools } from './tools/index.ts';

const TOKEN = 'tok-0123456789abcdef';
const redact = createRedactor([{ name: 'TOKEN', value: TOKEN }]);

describe('runTool with secrets', () => {
  it('redacts before truncating, so a cut through a value leaves no piece of it', async () => {
    // The value straddles where the head kept for the model ends (40% of the cap).
    const head = 'x'.repeat(Math.floor(MAX_TOOL_OUTPUT_CHARS * 0.4) - 8);
    const output = `${head}${TOKEN}${'y'.repeat(MAX_TOOL_OUTPUT_CHARS)}`;
    const sandbox = createMemorySandbox({}, () => ({ output }));
    const run = await runTool(
      createCodingTools(),
      'bash',
      { command: 'print' },
      {
        sandbox,
        signal: new AbortController().signal,
        redact,
      },
    );
    expect(run.fullOutput).toContain('[secret TOKEN]');
    for (const text of [run.output, run.fullOutput ?? '', run.summary]) {
      expect(text).not.toContain(TOKEN.slice(0, 8));
    }
  });

  it('shows files redacted, and writes them real', async () => {
    const sandbox = createMemorySandbox({ '.env': `TOKEN=${TOKEN}\nDEBUG=0\n` });
    const context = { sandbox, signal: new AbortController().signal, redact };
    const tools = createCodingTools();
    expect((await runTool(tools, 'read_file', { path: '.env' }, context)).output).toBe(
      '1| TOKEN=[secret TOKEN]\n2| DEBUG=0',
    );
    const edit = await runTool(
      tools,
      'edit_file',
      { path: '.env', oldText: 'DEBUG=0', newText: 'DEBUG=1' },
      context,
    );
    expect(edit.isError).toBe(false);
    expect(sandbox.files.get('.env')?.toString()).toBe(`TOKEN=${TOKEN}\nDEBUG=1\n`);
    const write = await runTool(
      tools,
      'write_file',
      { path: '.env', content: 'TOKEN=[secret TOKEN]\n' },
      context,
    );
    expect(write).toMatchObject({ isError: true });
    expect(sandbox.files.get('.env')?.toString()).toBe(`TOKEN=${TOKEN}\nDEBUG=1\n`);
  });
});

describe('runTool with bad calls', () => {
  const context = () => ({ sandbox: createMemorySandbox({}), signal: new AbortController().signal });

  it('answers invalid input with the problems and the tool’s input schema', async () => {
    const run = await runTool(createCodingTools(), 'read_file', { file: 'a.txt' }, context());
    expect(run).toMatchObject({ isError: true, summary: 'invalid input' });
    expect(run.output).toMatch(/^Invalid input for read_file:\n- path: /);
    expect(run.output).toContain('Call read_file again with a JSON object matching its input schema: {');
    const schema = JSON.parse(run.output.slice(run.output.indexOf('schema: ') + 'schema: '.length));
    expect(schema).toMatchObject({ type: 'object', required: ['path'] });
    expect(Object.keys(schema.properties)).toEqual(['path', 'startLine', 'endLine']);
  });

  it('quotes arguments that never parsed as JSON', async () => {
    const run = await runTool(createCodingTools(), 'bash', '{"command": ls', context());
    expect(run.output).toContain('- (input): the arguments are not a JSON object: {"command": ls');
    expect(run.output).toContain('matching its input schema');
  });

  it('lists the tools for an unknown name', async () => {
    const run = await runTool(createCodingTools(), 'frobnicate', {}, context());
    expect(run.isError).toBe(true);
    expect(run.output).toMatch(/^Unknown tool "frobnicate"\. Available tools: .*read_file.*bash/);
  });
});
