import type { SessionState } from './session-state.ts';

/**
 * Token usage and cost, summed over every model call a session made. The breakdown fields are optional
 * (absent means zero): sessions and checkpoints from before they existed read as they were.
 */
export interface Usage {
  /** Every input token, cached ones included. */
  inputTokens: number;
  /** Every output token, reasoning included. */
  outputTokens: number;
  /** What the priced calls cost; see `costUnknown`. */
  costUsd: number;
  /** Of `inputTokens`: read from the provider's prompt cache (billed at the cache-read price). */
  cacheReadTokens?: number;
  /** Of `inputTokens`: written to the prompt cache (Anthropic bills these above the input price). */
  cacheWriteTokens?: number;
  /** Of `outputTokens`: the model's reasoning (billed as output). */
  reasoningTokens?: number;
  /** Set when some call's model has no known price: `costUsd` then leaves those calls out. */
  costUnknown?: true;
}

export const ZERO_USAGE: Usage = { inputTokens: 0, outputTokens: 0, costUsd: 0 };

export function addUsage(a: Usage, b: Usage): Usage {
  const sum: Usage = {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    costUsd: a.costUsd + b.costUsd,
  };
  const cacheReadTokens = (a.cacheReadTokens ?? 0) + (b.cacheReadTokens ?? 0);
  const cacheWriteTokens = (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0);
  const reasoningTokens = (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0);
  if (cacheReadTokens > 0) sum.cacheReadTokens = cacheReadTokens;
  if (cacheWriteTokens > 0) sum.cacheWriteTokens = cacheWriteTokens;
  if (reasoningTokens > 0) sum.reasoningTokens = reasoningTokens;
  if (a.costUnknown || b.costUnknown) sum.costUnknown = true;
  return sum;
}

/**
 * A cost for people, never a made-up $0: `$0.0123`; `unknown` when no call had a known price; `$0.0123 +
 * unknown` when only some had. `format` writes a dollar amount (the web UI rounds its own way).
 */
export function describeCost(
  usage: Pick<Usage, 'costUsd' | 'costUnknown'>,
  format: (usd: number) => string = (usd) => `$${usd.toFixed(4)}`,
): string {
  if (!usage.costUnknown) return format(usage.costUsd);
  return usage.costUsd === 0 ? 'unknown' : `${format(usage.costUsd)} + unknown`;
}

/** Limits on one session's agent run. Defaults live in `DEFAULT_BUDGET`; flags and config override. */
export interface Budget {
  maxSteps: number;
  maxWallTimeMs: number;
  maxTokens: number;
  maxCostUsd: number;
  /** The same failing tool call repeated this many times in a row stops the session. */
  maxRepeatedFailures: number;
  /** Consults of the smart friend (the coder's `ask_friend` and drydock's own) at most. */
  maxFriendConsults: number;
  /**
   * What the friend's answers may cost, in US dollars (counted in `maxCostUsd` too). Absent: a share of
   * the session's cost budget ({@link friendCostCapUsd}), so raising `--max-cost` raises it with it.
   */
  maxFriendCostUsd?: number;
}

export const DEFAULT_BUDGET: Budget = {
  maxSteps: 60,
  maxWallTimeMs: 30 * 60_000,
  maxTokens: 3_000_000,
  maxCostUsd: 10,
  maxRepeatedFailures: 3,
  maxFriendConsults: 5,
};

/** The friend's share of the session's cost budget when `maxFriendCostUsd` is not set. */
export const FRIEND_COST_SHARE = 0.25;

/** What the friend's consults may cost in all, in US dollars. Pure. */
export function friendCostCapUsd(budget: Budget): number {
  return budget.maxFriendCostUsd ?? budget.maxCostUsd * FRIEND_COST_SHARE;
}

/** Why a session or its agent stopped when the user cancelled it. */
export const CANCELLED_BY_USER = 'cancelled by the user';

export type Outcome =
  | { kind: 'finished'; summary: string; result?: unknown }
  | { kind: 'gave_up'; reason: string }
  | { kind: 'budget_exhausted'; reason: string }
  | { kind: 'loop_detected'; reason: string }
  | { kind: 'model_error'; reason: string }
  /** The provider's content filter or the model's refusal stopped a reply. */
  | { kind: 'refused'; reason: string }
  | { kind: 'cancelled'; reason: string };

/**
 * What a session is for, beyond one agent on one task (docs/attempts.md):
 * - `attempts`: a parent that runs the task several times (`Session.attemptModels`) as `attempt` children
 *   and delivers the one the gate's evidence (and, on a tie, the judge) chose;
 * - `manager`: an agent that splits the task into `child` sessions and integrates their changes;
 * - `attempt` / `child`: a session run by its parent (`Session.parentId`): its own sandbox, gate and
 *   review, but its change stays in drydock (no branch in the user's repository): the parent delivers;
 * - `review`: the reviewer alone on an existing change (docs/review.md).
 * Absent: a plain session.
 */
export const SESSION_KINDS = ['attempts', 'attempt', 'manager', 'child', 'review'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/** Kinds whose sessions run under a parent (they have `parentId`). */
export const CHILD_KINDS: readonly SessionKind[] = ['attempt', 'child'];

export interface Session {
  id: string;
  state: SessionState;
  task: string;
  /** Absent: a plain session (one agent on one task). See SessionKind. */
  kind?: SessionKind;
  /** The session that runs this one (an `attempts` or `manager` session), for `attempt` and `child` kinds. */
  parentId?: string;
  /**
   * An `attempts` session's plan: one model spec per attempt, in order (`--attempts 3` is the session's
   * model three times; `--models a,b` one attempt each). Absent on every other kind.
   */
  attemptModels?: string[];
  /** Absolute path of the repository the task is against. */
  repo: string;
  /** The ref the user asked for (branch, tag, commit), as given. */
  ref: string;
  /** The commit the session started from. */
  baseCommit: string | null;
  /** The commit drydock made with the change, once delivered. */
  headCommit: string | null;
  /** The branch that holds the change in the user's repository. */
  branch: string | null;
  model: string;
  /**
   * The smart friend's `provider:model` (a stronger model the coder may consult), decided when the
   * session is created and kept for every run of it; absent: no friend, and no `ask_friend` tool.
   */
  friendModel?: string;
  /**
   * Hosts this session's agent may reach beyond the repository's and the server's allowance: set when
   * someone reran a session that was blocked on them ("Allow host and rerun"). Absent: none. (The
   * sandbox port's `EgressRule`, spelled out: the web UI bundles this file's types without the ports.)
   */
  allowHosts?: Array<{ host: string; port?: number }>;
  steps: number;
  usage: Usage;
  /** The agent's summary when it finished, or null. */
  summary: string | null;
  /** Why the session bowed out or failed, or null. */
  reason: string | null;
  /**
   * Who asked, when a trigger knows (a GitHub or Slack user): the `Co-authored-by` of its commits instead
   * of the repository's git user. Absent for sessions from the CLI or the API.
   */
  requestedBy?: Requester;
  /**
   * Who started it on a server: an API token (`token:<id>`, with the token's name), or a trigger
   * (`github:<login>`, `slack:<user>`, `hook:<name>`, `schedule:<name>`). A member may cancel or message
   * only sessions whose creator is its own token. Absent for sessions from the local CLI.
   */
  createdBy?: SessionCreator;
  createdAt: string;
  updatedAt: string;
}

/** Whether a session runs under a parent, which delivers (or not) in its stead. */
export function isChildSession(session: Pick<Session, 'parentId'>): boolean {
  return session.parentId !== undefined;
}

/** A session that delivered a change: its base and head commits and its branch are known. */
export type DeliveredSession = Session & {
  state: 'delivered';
  baseCommit: string;
  headCommit: string;
  branch: string;
};

export function isDelivered(session: Session): session is DeliveredSession {
  return (
    session.state === 'delivered' &&
    session.baseCommit !== null &&
    session.headCommit !== null &&
    session.branch !== null
  );
}

/** Who started a session (see `Session.createdBy`). */
export interface SessionCreator {
  /** `token:<token id>`, or a trigger's requester such as `github:<login>`. */
  id: string;
  /** For people: the token's name, the GitHub login, the Slack user. */
  name: string;
}

/** A person a session's commits credit as co-author. */
export interface Requester {
  name: string;
  email: string;
}
