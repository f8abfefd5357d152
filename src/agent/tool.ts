import type { JSONSchema7 } from 'ai';
import type { z } from 'zod';
import type { RunGateChecks } from '../core/checks-report.ts';
import type { EventData, ToolImage } from '../core/events.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import type { Redact } from '../core/redaction.ts';
import type { Usage } from '../core/session.ts';
import type { TodoItem } from '../core/todo.ts';

/** What a tool may touch: the session's sandbox, and a signal that fires on cancel. */
export interface ToolContext {
  /** The session's sandbox itself: files read and written here are the real ones. */
  sandbox: Sandbox;
  signal: AbortSignal;
  /**
   * The session's secrets, as the model may see them: `runTool` redacts every tool's output with it,
   * and tools that write refuse text holding a secret's placeholder. Absent: nothing to hide.
   */
  redact?: Redact;
  /**
   * Runs the checks the verification gate runs, in this sandbox, against the session's baseline
   * (`run_checks`). Given by the session, which owns the checks; absent where there is no gate.
   */
  runChecks?: RunGateChecks;
  /**
   * Told what a command prints as it arrives (unredacted: the caller redacts), for live viewers; tools
   * that run commands pass it on to the sandbox. Absent: nobody watches.
   */
  onOutput?: (chunk: string) => void;
}

/** How a tool ends the agent's run, when it does. */
export type ToolStop =
  | {
      kind: 'finished';
      summary: string;
      /** Structured output of a role's final tool (a review's findings). */
      result?: unknown;
    }
  | { kind: 'gave_up'; reason: string };

export interface ToolOutput {
  /** What the model reads. */
  output: string;
  isError?: boolean;
  /** One line for progress displays; defaults to the output's first line. */
  summary?: string;
  stop?: ToolStop;
  /** What models the tool called cost (a consult of the friend): counted in the session's usage and budget. */
  usage?: Usage;
  /** Events the tool has to tell (`friend.consulted`): recorded after its `tool.result`, with the step. */
  events?: EventData[];
  /** The agent's plan as this call leaves it (`todo`): the loop keeps it in its state and logs it. */
  todos?: TodoItem[];
  /** Screenshots the call stored as artifacts (`browser`): logged with its `tool.result`. */
  images?: ToolImage[];
}

export interface ToolDefinition<Input = unknown> {
  name: string;
  /** Read by the model: say what the tool does, when to use it, and what it returns. */
  description: string;
  inputSchema: z.ZodType<Input>;
  /**
   * What the model is shown as the input schema instead of inputSchema's, for tools whose schema is
   * someone else's JSON schema (an MCP server's). inputSchema still checks the input first.
   */
  jsonSchema?: JSONSchema7;
  execute(input: Input, context: ToolContext): Promise<ToolOutput>;
}

/** Keeps the input type at definition sites while letting tools live in one list. */
export function defineTool<Input>(tool: ToolDefinition<Input>): ToolDefinition {
  return tool as unknown as ToolDefinition;
}

/** A tool's failure the model should read (bad path, no match): thrown inside tools, caught by the runner. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}
