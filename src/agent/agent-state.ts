import type { ModelMessage } from 'ai';
import type { Outcome, Usage } from '../core/session.ts';
import { ZERO_USAGE } from '../core/session.ts';
import type { TodoItem } from '../core/todo.ts';
import type { FailureStreak } from './loop-detection.ts';

/**
 * Everything the loop needs to go on after a crash: saved with each step as the session's checkpoint,
 * so any worker can resume from it.
 */
export interface AgentState {
  messages: ModelMessage[];
  /** Model calls made so far. */
  step: number;
  usage: Usage;
  /** Wall time spent in earlier runs of this loop (a resumed loop adds to it). */
  elapsedMs: number;
  failureStreak: FailureStreak | null;
  /** Model turns in a row that called no tool. */
  idleTurns: number;
  outcome: Outcome | null;
  /** The plan the agent keeps with the `todo` tool; absent until it first writes one. */
  todos?: TodoItem[];
}

export function initialAgentState(task: string): AgentState {
  return {
    messages: [{ role: 'user', content: task }],
    step: 0,
    usage: ZERO_USAGE,
    elapsedMs: 0,
    failureStreak: null,
    idleTurns: 0,
    outcome: null,
  };
}
