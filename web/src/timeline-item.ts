import type { CheckSummary, ReviewFinding, TodoItem } from './types.ts';

/** One item of the agent's plan (`todo.updated`). */
export type TodoEntry = TodoItem;

export interface ToolResult {
  seq: number;
  isError: boolean;
  summary: string;
  output: string;
  artifactId: string | undefined;
  /** Screenshots the call took (`browser`): PNG artifacts of the session. */
  images: Array<{ name: string; artifactId: string }>;
  durationMs: number;
}

interface Base {
  /** The seq of the event that opened the item: a stable React key. */
  seq: number;
  at: string;
}

/** What the session page shows, one entry per line of the timeline. */
export type TimelineItem =
  | (Base & { kind: 'created'; task: string; repo: string; ref: string; model: string })
  | (Base & { kind: 'state'; from: string; to: string; reason: string | undefined })
  | (Base & { kind: 'note'; text: string })
  | (Base & {
      kind: 'text';
      role: string;
      step: number;
      text: string;
      /** What the model thought first, as it streamed (`model.delta`), when it showed any. */
      reasoning?: string;
    })
  /** A reply still streaming (`model.delta`): replaced by its `text` entry once the step's response is in. */
  | (Base & { kind: 'live'; role: string; step: number; attempt: number; text: string; reasoning: string })
  | (Base & {
      kind: 'tool';
      role: string;
      step: number;
      toolCallId: string;
      tool: string;
      input: unknown;
      result: ToolResult | null;
      /** What drydock put right in the call as the model wrote it (`tool.call` `repaired`). */
      repaired?: string;
      /** What the command printed so far (`tool.output`), until its result replaces it. */
      liveOutput?: string;
    })
  | (Base & { kind: 'model-error'; role: string; step: number; message: string })
  | (Base & { kind: 'stopped'; role: string; outcome: string; detail: string })
  | (Base & { kind: 'todo'; role: string; step: number; items: TodoEntry[] })
  | (Base & {
      kind: 'checks-detected';
      checks: Array<{ name: string; command: string; source: string }>;
      notes: string[];
    })
  | (Base & { kind: 'checks'; phase: string; round: number; checks: CheckSummary[] })
  | (Base & {
      kind: 'gate';
      round: number;
      passed: boolean;
      problems: string[];
      warnings: string[];
      detectionErrors: string[];
      failToPass: string[];
      passToPass: number;
    })
  | (Base & { kind: 'review'; round: number; approved: boolean; summary: string; findings: ReviewFinding[] })
  | (Base & { kind: 'network'; host: string; port: number })
  | (Base & { kind: 'delivery'; text: string })
  | (Base & {
      kind: 'message';
      text: string;
      /** Who sent it (a token's name, a GitHub or Slack user); null on events from before drydock said. */
      byName: string | null;
      /** The step whose model call read it (the coder's next after it); null until one has. */
      readAtStep: number | null;
    })
  | (Base & {
      kind: 'friend';
      /** `tool`: the coder asked; `gate`: drydock asked after repeated gate failures. */
      trigger: string;
      model: string;
      question: string;
      files: string[];
      answer: string;
      inputTokens: number;
      outputTokens: number;
      costUsd: number;
    })
  | (Base & { kind: 'error'; code: string; message: string })
  | (Base & { kind: 'unknown'; type: string; fields: Record<string, unknown> });
