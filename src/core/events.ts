import type { Usage } from './session.ts';
import type { SessionState } from './session-state.ts';

/**
 * The session event log: ordered, numbered, durable. Every client (CLI, web UI, API, integrations)
 * reads the same log. `data` is plain JSON.
 */
export type EventData =
  | { type: 'session.created'; task: string; repo: string; ref: string; model: string }
  | { type: 'state.changed'; from: SessionState; to: SessionState; reason?: string }
  | { type: 'workspace.ready'; baseCommit: string; path: string; sandbox: string }
  | {
      type: 'model.response';
      step: number;
      text: string;
      toolCalls: number;
      usage: Usage;
      durationMs: number;
    }
  | { type: 'model.error'; step: number; message: string }
  | { type: 'tool.call'; step: number; toolCallId: string; tool: string; input: unknown }
  | {
      type: 'tool.result';
      step: number;
      toolCallId: string;
      tool: string;
      isError: boolean;
      /** A one-line summary for progress displays. */
      summary: string;
      /** The output the model saw (possibly truncated). */
      output: string;
      /** Set when the full output was kept as an artifact because it was truncated. */
      artifactId?: string;
      durationMs: number;
    }
  | {
      type: 'context.compacted';
      step: number;
      removedMessages: number;
      tokensBefore: number;
      tokensAfter: number;
    }
  | { type: 'agent.stopped'; step: number; outcome: string; detail: string }
  | {
      type: 'delivery.committed';
      commit: string;
      filesChanged: number;
      insertions: number;
      deletions: number;
    }
  | { type: 'delivery.branch'; branch: string; repo: string; commit: string }
  | { type: 'session.error'; code: string; message: string };

export type EventType = EventData['type'];

export interface SessionEvent {
  sessionId: string;
  /** 1-based, gap-free within a session. */
  seq: number;
  at: string;
  data: EventData;
}
