import type { AgentState } from '../agent/agent-state.ts';
import { initialAgentState } from '../agent/agent-state.ts';
import type { AttemptsChoice } from '../core/attempts.ts';
import type { WorkspaceSnapshot } from '../core/ports/sandbox.ts';
import type { Usage } from '../core/session.ts';
import type { TodoItem } from '../core/todo.ts';
import type { Finding, FindingResponse } from '../review/findings.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import type { Check } from '../verify/checks.ts';
import type { GateVerdict } from '../verify/gate.ts';
import type { AttemptFailure } from './attempts/rank.ts';

/** Where the verification gate stands; durable with the agent state so a resumed session goes on. */
export interface GateState {
  checks: Check[] | null;
  baseline: CheckOutcome[] | null;
  /** Times the checks ran after a finish. */
  verifyRounds: number;
  /** Review rounds in this turn: the cap (`MAX_REVIEW_ROUNDS`) counts these. */
  reviewRounds: number;
  /**
   * Review rounds of the earlier turns (absent: none), so a follow-up's rounds go on from them: round
   * numbers, finding ids (`R<round>-<n>`) and review artifacts stay unique across the session.
   */
  earlierReviewRounds?: number;
  lastAfter: CheckOutcome[] | null;
  lastVerdict: GateVerdict | null;
  /** Every finding of every review round. */
  findings: Finding[];
  /** Critical and major findings of the latest review. */
  openFindings: Finding[];
  reviewSummary: string | null;
  /** Whether the coder was already reminded to answer the open findings this round. */
  unansweredReminded?: boolean;
  /** Verify rounds in a row the gate failed (absent: none); a pass starts the count again. */
  failedInARow?: number;
  /** Whether drydock already consulted the friend about repeated gate failures (once per session). */
  friendAdvised?: boolean;
}

/** The smart friend's consults so far, against the budget's `maxFriendConsults` and friend cost cap. */
export interface FriendTally {
  consults: number;
  /** What the consults cost, in US dollars (also counted in the coder's usage). */
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/**
 * A manager's child as the manager's run accounts for it (sessions/manager): the cost and token shares
 * it was given, how much of its usage the manager's usage already holds, and whether its end was told.
 */
export interface ManagedChild {
  /** The child's cost budget in US dollars: its share of what the run had left (child-budget.ts). */
  budgetUsd: number;
  /** The child's token budget (input plus output), shared out as its cost is. */
  budgetTokens: number;
  /** The child's usage as last rolled up into the manager's (the manager's usage holds it). */
  counted: Usage;
  /** Whether its `child.ended` was recorded for the state it is in (a message reopens it: false again). */
  ended: boolean;
  /** The child's head commit the manager last integrated: a later turn integrates from there. */
  integratedHead?: string;
}

/** An `attempts` session's choice (docs/attempts.md), saved with its `attempts.chosen` event. */
export interface AttemptsState {
  choice: AttemptsChoice;
  /** Why each attempt that did not deliver failed, for the bow-out report. */
  failures: AttemptFailure[];
  /** The winner's answers to its reviewer's findings, which its PR description shows. */
  responses: FindingResponse[];
  /** What the judge cost, when it was asked (the attempts' own usage is read from them). */
  judgeUsage?: Usage;
  /**
   * Set with the move out of `working` (to delivering, or the bow-out): the attempts are done, and a
   * later turn (a follow-up) is the coder's on the delivered change. Unset, a resumed run chooses again
   * from this choice (the winner is taken in again, idempotently).
   */
  settled?: boolean;
}

/** The session's checkpoint: the coder's conversation and the gate's progress. */
export interface SessionCheckpoint {
  agent: AgentState;
  gate: GateState;
  /** The last event seq the coder scanned for follow-ups (`message.received`); absent means none. */
  messagesSeenSeq?: number;
  /**
   * The workspace's last snapshot (layered workspaces only): taken after every recorded agent step,
   * a dead sandbox is replaced from it, and a later run (a new turn, a worker after a crash) starts on it.
   */
  workspace?: WorkspaceSnapshot;
  /**
   * The stack the session started from, before the agent acted (layered workspaces whose start commands
   * have secrets): those run on it, in a workspace of their own (services-workspace.ts).
   */
  servicesStack?: string[];
  /**
   * The friend's consults (absent: none yet). Moved in memory when a consult happens and saved with the
   * step or phase that records its `friend.consulted` event, so the two are never apart.
   */
  friend?: FriendTally;
  /**
   * A manager's children by id (absent: none spawned). Moved in memory by the manager's tools and saved
   * with the step that records what they did (`child.spawned`, the rolled-up usage), never apart.
   */
  children?: Record<string, ManagedChild>;
  /** An `attempts` session's choice, once made (absent on every other kind). */
  attempts?: AttemptsState;
}

/** A new session's checkpoint; `plan` seeds the coder's todo list (a playbook's steps). */
export function initialCheckpoint(task: string, plan?: TodoItem[]): SessionCheckpoint {
  return {
    agent: plan ? { ...initialAgentState(task), todos: plan } : initialAgentState(task),
    gate: {
      checks: null,
      baseline: null,
      verifyRounds: 0,
      reviewRounds: 0,
      lastAfter: null,
      lastVerdict: null,
      findings: [],
      openFindings: [],
      reviewSummary: null,
    },
  };
}

/** Gives the coder another turn with a message from drydock (gate failures, review findings). Pure. */
export function reopenAgent(agent: AgentState, message: string): AgentState {
  return {
    ...agent,
    outcome: null,
    idleTurns: 0,
    messages: [...agent.messages, { role: 'user', content: message }],
  };
}

/** The coder's answers to findings, from its respond_to_finding calls (the latest answer wins). Pure. */
export function findingResponses(agent: AgentState): Map<string, FindingResponse> {
  const responses = new Map<string, FindingResponse>();
  for (const message of agent.messages) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type !== 'tool-call' || part.toolName !== 'respond_to_finding') continue;
      const input = part.input as Partial<FindingResponse>;
      if (typeof input.id === 'string' && (input.decision === 'fixed' || input.decision === 'rejected')) {
        responses.set(input.id, {
          id: input.id,
          decision: input.decision,
          reason: String(input.reason ?? ''),
        });
      }
    }
  }
  return responses;
}

/**
 * A new turn on an ended session (a follow-up): the coder continues the same conversation, and the
 * reviewer gets a fresh set of rounds, numbered on from the earlier turns'. The gate keeps its baseline, so it still compares with the
 * original base commit. Pure.
 */
export function openTurn(checkpoint: SessionCheckpoint): SessionCheckpoint {
  return {
    ...checkpoint,
    agent: { ...checkpoint.agent, outcome: null, idleTurns: 0, failureStreak: null },
    gate: {
      ...checkpoint.gate,
      earlierReviewRounds: (checkpoint.gate.earlierReviewRounds ?? 0) + checkpoint.gate.reviewRounds,
      reviewRounds: 0,
      openFindings: [],
      unansweredReminded: false,
    },
  };
}
