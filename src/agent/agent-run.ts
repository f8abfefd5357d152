import type { RunGateChecks } from '../core/checks-report.ts';
import type { EventData } from '../core/events.ts';
import type { ResolvedModel } from '../core/ports/models.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import type { Redact } from '../core/redaction.ts';
import type { Budget } from '../core/session.ts';
import type { AgentState } from './agent-state.ts';
import type { DeltaBatchPolicy } from './live-output.ts';
import type { ToolOutputPolicy } from './live-tool-output.ts';
import type { RetryPolicy } from './model-retry.ts';
import type { ToolDefinition } from './tool.ts';

/** Where the loop writes: the session's store, through the runner. */
export interface AgentHost {
  /** Persists the events and the state together, atomically. The loop's only side channel. */
  record(events: EventData[], state: AgentState): Promise<void>;
  /** Keeps a long text (a tool's full output) and returns its id. */
  saveArtifact(name: string, content: string): Promise<string>;
  /** Milliseconds, monotonic enough for budgets. */
  nowMs(): number;
  /** Waits between retries of a failed model call; default: a real timer. Rejects when `signal` aborts. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
  /**
   * Persists events only live viewers need (`model.delta`: a reply as it streams; `tool.output`: what
   * a running command prints), without the state:
   * a resumed run never reads them. Absent: replies are not shown until they are complete.
   */
  recordLive?(events: EventData[]): Promise<void>;
  /** Told when a model call starts and ends, for spinners. */
  onModelWait?(waiting: boolean): void;
  /**
   * Follow-ups from people that arrived since the last call, each appended as a user message before
   * the next model call. The host keeps its read position with the state it is next asked to record,
   * so a resumed run never reads a message twice.
   */
  takeMessages?(): Promise<string[]>;
}

export interface AgentRun {
  coder: ResolvedModel;
  summarizer: ResolvedModel;
  system: string;
  tools: ReadonlyMap<string, ToolDefinition>;
  /** The session's sandbox itself: the tools write real files through it. */
  sandbox: Sandbox;
  /**
   * What the model may see of the session's secrets: tool output, and everything sent to the model
   * (system prompt, messages, compaction transcripts), is redacted with it. Absent: nothing to hide.
   */
  redact?: Redact;
  budget: Budget;
  /** A fresh state, or a checkpoint to resume from. */
  state: AgentState;
  host: AgentHost;
  signal: AbortSignal;
  /**
   * Aborted when the worker running the session stops: the loop returns after the step in flight is
   * recorded, its outcome still null, and a later run resumes from that state (not a cancel).
   */
  pause?: AbortSignal;
  /** The gate's checks, for the `run_checks` tool (tool.ts); absent where there is no gate. */
  runChecks?: RunGateChecks;
  /** Compact when the conversation reaches this many tokens. Default: 70% of the coder's context window. */
  compactAtTokens?: number;
  /** How failed model calls are retried, and each request's timeout. Default: {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /** How streamed output is batched into `model.delta` events. Default: {@link DEFAULT_DELTA_BATCH}. */
  deltaBatch?: DeltaBatchPolicy;
  /** How a running command's output is batched and capped into `tool.output` events. Default: `DEFAULT_TOOL_OUTPUT` (live-tool-output.ts). */
  toolOutput?: ToolOutputPolicy;
}
