import type { ModelMessage, ToolCallRepairFunction, ToolSet } from 'ai';
import { InvalidToolInputError, NoSuchToolError } from 'ai';
import { jsonrepair } from 'jsonrepair';

/**
 * A tool call the SDK could not parse, put right where the fix is unambiguous: a tool name in another
 * case or spelling (`Read-File`, `functions.bash`) when exactly one tool matches, and arguments that
 * are almost JSON (trailing commas, single quotes, unquoted keys, a missing closing brace, JSON encoded
 * twice). The SDK validates the repaired call against the tool's schema again; what cannot be repaired
 * stays invalid and gets an error result showing the schema (runTool). Pure apart from `repaired`, which
 * is told what was changed, by tool call id.
 */
export function createToolCallRepair(
  repaired: (toolCallId: string, note: string) => void,
): ToolCallRepairFunction<ToolSet> {
  return async ({ toolCall, tools, error }) => {
    if (NoSuchToolError.isInstance(error)) {
      const name = matchToolName(toolCall.toolName, Object.keys(tools));
      if (name === undefined) return null;
      repaired(toolCall.toolCallId, `tool name "${toolCall.toolName}" read as ${name}`);
      return { ...toolCall, toolName: name };
    }
    if (InvalidToolInputError.isInstance(error)) {
      const input = repairJson(toolCall.input);
      if (input === undefined) return null;
      repaired(toolCall.toolCallId, 'arguments were not valid JSON and were repaired');
      return { ...toolCall, input };
    }
    return null;
  };
}

/** The one tool `name` means once case, separators and a `functions.` prefix are set aside. Pure. */
export function matchToolName(name: string, tools: readonly string[]): string | undefined {
  const plain = (value: string) =>
    value
      .replace(/^functions\./, '')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
  const matches = tools.filter((tool) => plain(tool) === plain(name));
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Almost-JSON object text as JSON, or undefined when it is valid already (nothing to repair: the
 * schema is what failed) or cannot be made into an object. Pure.
 */
export function repairJson(text: string): string | undefined {
  if (parsesToObject(text)) return undefined;
  let fixed: string;
  try {
    fixed = jsonrepair(text);
  } catch {
    return undefined;
  }
  const value: unknown = JSON.parse(fixed);
  // Arguments sent as a JSON string holding the object.
  if (typeof value === 'string') return parsesToObject(value) ? value : undefined;
  return isObject(value) ? fixed : undefined;
}

/**
 * The reply's messages as the conversation keeps them: a call whose arguments never parsed carries the
 * raw text, which no provider takes back as a call's input (Anthropic wants an object), so it becomes
 * `{}`; its error result quotes what was sent. Pure.
 */
export function withParsableToolInputs(messages: readonly ModelMessage[]): ModelMessage[] {
  return messages.map((message) => {
    if (message.role !== 'assistant' || typeof message.content === 'string') return message;
    if (!message.content.some((part) => part.type === 'tool-call' && !isObject(part.input))) return message;
    return {
      ...message,
      content: message.content.map((part) =>
        part.type === 'tool-call' && !isObject(part.input) ? { ...part, input: {} } : part,
      ),
    };
  });
}

function parsesToObject(text: string): boolean {
  try {
    return isObject(JSON.parse(text));
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
