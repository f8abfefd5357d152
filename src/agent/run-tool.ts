import { z } from 'zod';
import { describeError } from '../core/errors.ts';
import { truncate, truncateText } from '../core/truncate.ts';
import type { ToolContext, ToolDefinition, ToolOutput } from './tool.ts';
import { ToolError } from './tool.ts';

export interface ToolRun extends ToolOutput {
  isError: boolean;
  summary: string;
  /** The complete output when `output` was truncated for the model; keep it as an artifact. */
  fullOutput?: string;
}

export const MAX_TOOL_OUTPUT_CHARS = 30_000;

/**
 * Runs one tool call and never throws: unknown tools, invalid input and failures become error
 * results the model can read and act on. Every tool's output is redacted (`context.redact`) and
 * truncated the same way here.
 */
export async function runTool(
  tools: ReadonlyMap<string, ToolDefinition>,
  name: string,
  input: unknown,
  context: ToolContext,
): Promise<ToolRun> {
  const result = await execute(tools, name, input, context);
  // Before truncating: a cut through a secret's value would leave a piece the redactor cannot see.
  const redact = context.redact ?? ((text: string) => text);
  const output = redact(result.output);
  // Head and tail: errors tend to be at the end, what was run at the start.
  const { text, truncated } = truncate(output, MAX_TOOL_OUTPUT_CHARS, {
    keep: 'both',
    headShare: 0.4,
    note: 'the full output is kept as an artifact of this session',
  });
  const run: ToolRun = {
    ...result,
    output: text,
    isError: result.isError ?? false,
    summary: result.summary === undefined ? firstLine(output) : redact(result.summary),
  };
  if (truncated) run.fullOutput = output;
  return run;
}

async function execute(
  tools: ReadonlyMap<string, ToolDefinition>,
  name: string,
  input: unknown,
  context: ToolContext,
): Promise<ToolOutput> {
  const tool = tools.get(name);
  if (!tool) {
    const known = [...tools.keys()].join(', ');
    return { output: `Unknown tool "${name}". Available tools: ${known}.`, isError: true };
  }
  const parsed = tool.inputSchema.safeParse(input);
  if (!parsed.success) {
    // Arguments that never parsed as JSON reach here as their raw text.
    const problems =
      typeof input === 'string'
        ? [`- (input): the arguments are not a JSON object: ${truncateText(input, 300)}`]
        : parsed.error.issues.map((issue) => {
            const where = issue.path.length > 0 ? issue.path.join('.') : '(input)';
            return `- ${where}: ${issue.message}`;
          });
    return {
      output: `Invalid input for ${name}:\n${problems.join('\n')}\n${schemaHint(tool)}`,
      isError: true,
      summary: 'invalid input',
    };
  }
  try {
    return await tool.execute(parsed.data, context);
  } catch (error) {
    if (error instanceof ToolError) return { output: error.message, isError: true };
    return { output: `${name} failed: ${describeError(error)}`, isError: true };
  }
}

/** The tool's input schema, so the model can call it again correctly. */
function schemaHint(tool: ToolDefinition): string {
  let schema: string;
  try {
    const { $schema: _dialect, ...rest } = (tool.jsonSchema ?? z.toJSONSchema(tool.inputSchema)) as Record<
      string,
      unknown
    >;
    schema = JSON.stringify(rest);
  } catch {
    return `Call ${tool.name} again with arguments as its description says.`;
  }
  return `Call ${tool.name} again with a JSON object matching its input schema: ${schema}`;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return truncateText(line, 120);
}
