import { modelMessageSchema } from 'ai';
import { z } from 'zod';
import type { AgentState } from '../agent/agent-state.ts';
import type { AttemptEvidence, AttemptsChoice } from '../core/attempts.ts';
import { BadInputError } from '../core/errors.ts';
import type { JsonValue, Store } from '../core/ports/store.ts';
import type { Outcome, Usage } from '../core/session.ts';
import { SESSION_STATES } from '../core/session-state.ts';
import { TODO_STATUSES } from '../core/todo.ts';
import { findingInputSchema } from '../review/findings.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import type { Check } from '../verify/checks.ts';
import type { Diagnostic } from '../verify/diagnostics.ts';
import type { GateVerdict } from '../verify/gate.ts';
import type { TestRun } from '../verify/test-results.ts';
import type { AttemptFailure } from './attempts/rank.ts';
import {
  type AttemptsState,
  type FriendTally,
  type GateState,
  initialCheckpoint,
  type ManagedChild,
  type SessionCheckpoint,
} from './session-checkpoint.ts';

/**
 * The checkpoint as stored: a versioned document, read back through this schema only (never a cast).
 * Every version drydock ever wrote is read: an older one is upgraded step by step to the current one,
 * and a newer one (written by a newer drydock) is refused rather than half-understood.
 *
 * - version 0 (the first drydock): the bare agent state, `{ messages, step, usage, … }`.
 * - version 1 (no `version` field): `{ agent, gate, messagesSeenSeq?, workspace?, servicesStack? }`;
 *   gate verdicts before `detectionErrors` existed lack it.
 * - version 2: version 1 with `version: 2`, every verdict with `detectionErrors`.
 * - version 3: the coder's conversation moved out of the document into the session's checkpoint log
 *   (`Store.loadCheckpointLog`, one entry per message) so a step appends its messages instead of
 *   rewriting them all; the document keeps the rest of the agent state and `messageCount`, the number
 *   of log entries it goes with. Fields added since (the friend's tally `friend`, the gate's `failedInARow` and
 *   `friendAdvised`, a manager's `children`, an attempts session's choice `attempts`) are optional: documents without them read as before.
 */
export const CHECKPOINT_VERSION = 3;

/** The first version whose conversation is in the checkpoint log rather than in the document. */
const LOG_VERSION = 3;

/** The breakdown fields came later (cache, reasoning, unknown price): absent in older checkpoints. */
const usage = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  cacheReadTokens: z.number().optional(),
  cacheWriteTokens: z.number().optional(),
  reasoningTokens: z.number().optional(),
  costUnknown: z.literal(true).optional(),
}) satisfies z.ZodType<Usage>;

const outcome = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('finished'), summary: z.string(), result: z.unknown().optional() }),
  z.object({
    kind: z.enum(['gave_up', 'budget_exhausted', 'loop_detected', 'model_error', 'refused', 'cancelled']),
    reason: z.string(),
  }),
]) satisfies z.ZodType<Outcome>;

/** The coder's conversation, checked as a field so an error names it (`messages[3].role`). */
const conversation = z.object({ messages: z.array(modelMessageSchema) });

/** The agent state without its conversation, which the checkpoint log holds. */
const agentHead = z.object({
  step: z.number().int().nonnegative(),
  usage,
  elapsedMs: z.number().nonnegative(),
  failureStreak: z.object({ key: z.string(), count: z.number().int() }).nullable(),
  idleTurns: z.number().int().nonnegative(),
  outcome: outcome.nullable(),
  todos: z.array(z.object({ id: z.string(), text: z.string(), status: z.enum(TODO_STATUSES) })).optional(),
}) satisfies z.ZodType<Omit<AgentState, 'messages'>>;

const check = z.object({
  name: z.string(),
  kind: z.enum(['test', 'script', 'typecheck', 'lint']),
  command: z.string(),
  source: z.string(),
  runner: z.string().optional(),
  report: z
    .object({
      format: z.enum(['jest-json', 'mocha-json', 'junit', 'tap', 'playwright-json']),
      file: z.string().optional(),
      orPrinted: z.boolean().optional(),
    })
    .optional(),
  note: z.string().optional(),
  label: z.string().optional(),
}) satisfies z.ZodType<Check>;

const testRun = z.object({
  runner: z.string(),
  tests: z.array(
    z.object({
      id: z.string(),
      status: z.enum(['passed', 'failed', 'skipped']),
      durationMs: z.number().optional(),
      message: z.string().optional(),
    }),
  ),
  summary: z.object({ passed: z.number(), failed: z.number(), skipped: z.number() }),
  parsed: z.boolean(),
}) satisfies z.ZodType<TestRun>;

const diagnostic = z.object({
  file: z.string(),
  line: z.number().optional(),
  column: z.number().optional(),
  severity: z.enum(['error', 'warning', 'info']),
  rule: z.string().optional(),
  message: z.string(),
}) satisfies z.ZodType<Diagnostic>;

const checkOutcome = z.object({
  check,
  exitCode: z.number().nullable(),
  timedOut: z.boolean(),
  durationMs: z.number(),
  outputTail: z.string(),
  tests: testRun.nullable(),
  testsUnreadable: z.string().optional(),
  diagnostics: z.array(diagnostic).nullable(),
}) satisfies z.ZodType<CheckOutcome>;

const verdict = z.object({
  passed: z.boolean(),
  problems: z.array(z.string()),
  warnings: z.array(z.string()),
  detectionErrors: z.array(z.string()),
  failToPass: z.array(z.string()),
  passToPass: z.number(),
  feedback: z.string(),
}) satisfies z.ZodType<GateVerdict>;

const finding = findingInputSchema.extend({ id: z.string(), round: z.number().int() });

const gateState = z.object({
  checks: z.array(check).nullable(),
  baseline: z.array(checkOutcome).nullable(),
  verifyRounds: z.number().int().nonnegative(),
  reviewRounds: z.number().int().nonnegative(),
  earlierReviewRounds: z.number().int().nonnegative().optional(),
  lastAfter: z.array(checkOutcome).nullable(),
  lastVerdict: verdict.nullable(),
  findings: z.array(finding),
  openFindings: z.array(finding),
  reviewSummary: z.string().nullable(),
  unansweredReminded: z.boolean().optional(),
  failedInARow: z.number().int().nonnegative().optional(),
  friendAdvised: z.boolean().optional(),
}) satisfies z.ZodType<GateState>;

const friendTally = z.object({
  consults: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
}) satisfies z.ZodType<FriendTally>;

const managedChild = z.object({
  budgetUsd: z.number().nonnegative(),
  budgetTokens: z.number().int().nonnegative(),
  counted: usage,
  ended: z.boolean(),
  integratedHead: z.string().optional(),
}) satisfies z.ZodType<ManagedChild>;

const attemptEvidence = z.object({
  sessionId: z.string(),
  model: z.string(),
  state: z.enum(SESSION_STATES),
  candidate: z.boolean(),
  why: z.string(),
  failToPass: z.number().int(),
  passToPass: z.number().int(),
  regressions: z.number().int(),
  findings: z.object({ critical: z.number(), major: z.number(), minor: z.number(), nit: z.number() }),
  diff: z.object({ files: z.number(), insertions: z.number(), deletions: z.number() }).nullable(),
  costUsd: z.number(),
}) satisfies z.ZodType<AttemptEvidence>;

const attemptsState = z.object({
  choice: z.object({
    winnerId: z.string().nullable(),
    reason: z.string(),
    ranking: z.array(attemptEvidence),
    judge: z.object({ model: z.string(), verdict: z.string() }).optional(),
  }) satisfies z.ZodType<AttemptsChoice>,
  failures: z.array(
    z.object({
      sessionId: z.string(),
      number: z.number().int(),
      model: z.string(),
      state: z.enum(SESSION_STATES),
      reason: z.string().nullable(),
      problems: z.array(z.string()),
      findings: z.array(z.string()),
    }) satisfies z.ZodType<AttemptFailure>,
  ),
  responses: z.array(
    z.object({ id: z.string(), decision: z.enum(['fixed', 'rejected']), reason: z.string() }),
  ),
  judgeUsage: usage.optional(),
  settled: z.boolean().optional(),
}) satisfies z.ZodType<AttemptsState>;

const checkpointDocument = z.object({
  version: z.literal(CHECKPOINT_VERSION),
  agent: agentHead,
  /** How many entries of the checkpoint log are the coder's conversation: all of them. */
  messageCount: z.number().int().nonnegative(),
  /**
   * Only in a document upgraded from version 2 or older, which held the conversation inline: it is
   * that conversation (such a session has no log until its next write). Never written.
   */
  messages: z.array(z.unknown()).optional(),
  gate: gateState,
  messagesSeenSeq: z.number().int().optional(),
  workspace: z.object({ layers: z.array(z.string()) }).optional(),
  servicesStack: z.array(z.string()).optional(),
  friend: friendTally.optional(),
  children: z.record(z.string(), managedChild).optional(),

  attempts: attemptsState.optional(),
}) satisfies z.ZodType<CheckpointHead & { version: number; messageCount: number }>;

/**
 * A checkpoint without the coder's conversation: what the document holds, read without the log. For
 * readers that need only the workspace, the gate or `messagesSeenSeq`.
 */
export type CheckpointHead = Omit<SessionCheckpoint, 'agent'> & { agent: Omit<AgentState, 'messages'> };

type Stored = Record<string, unknown>;

/** Upgrades, each from its version to the next. Pure: they see plain JSON and return plain JSON. */
const UPGRADES: Record<number, (stored: Stored) => Stored> = {
  // The bare agent state: no gate had run yet when it was written.
  0: (agentState) => ({ agent: agentState, gate: { ...initialCheckpoint('').gate } }),
  // Verdicts from before the gate reported detection errors had none.
  1: (stored) => {
    const gate = (stored.gate ?? {}) as Stored;
    const verdict = gate.lastVerdict as Stored | null | undefined;
    const lastVerdict = verdict ? { detectionErrors: [], ...verdict } : (verdict ?? null);
    return { ...stored, gate: { ...gate, lastVerdict } };
  },
  // The conversation leaves the agent state: kept inline at the top level until the session's next
  // write moves it to the log (see `messages` in the document's schema).
  2: (stored) => {
    const { messages, ...agent } = (stored.agent ?? {}) as Stored;
    return {
      ...stored,
      agent,
      messages,
      messageCount: Array.isArray(messages) ? messages.length : 0,
    };
  },
};

/** Which version a stored document is: its `version`, else the shape tells (see CHECKPOINT_VERSION). */
export function storedVersion(stored: Stored): number {
  if (typeof stored.version === 'number') return stored.version;
  return 'messages' in stored && !('agent' in stored) ? 0 : 1;
}

/** A stored document as the current version, upgraded if it is older; throws `checkpoint_unreadable`. */
function parseDocument(json: JsonValue): z.infer<typeof checkpointDocument> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw unreadable('it is not a JSON object');
  }
  let stored = json as Stored;
  let version = storedVersion(stored);
  if (version > CHECKPOINT_VERSION) {
    throw unreadable(
      `it was written by a newer drydock (checkpoint version ${version}; this one reads up to ${CHECKPOINT_VERSION}). Upgrade drydock on this machine`,
    );
  }
  while (version < CHECKPOINT_VERSION) {
    const upgrade = UPGRADES[version];
    if (!upgrade) throw unreadable(`no upgrade from checkpoint version ${version}`);
    stored = upgrade(stored);
    version += 1;
  }
  const parsed = checkpointDocument.safeParse({ ...stored, version: CHECKPOINT_VERSION });
  if (!parsed.success) throw unreadable(z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * A stored checkpoint document without its conversation, upgraded if it is older: cheap, since it
 * needs no log (and does not check the conversation). Throws BadInputError `checkpoint_unreadable`
 * like parseCheckpoint.
 */
export function parseCheckpointHead(document: JsonValue): CheckpointHead {
  const { version: _version, messageCount: _count, messages: _inline, ...head } = parseDocument(document);
  return head as CheckpointHead;
}

/**
 * A stored checkpoint as the current version: the document (upgraded if it is older) and the
 * session's checkpoint log, whose entries are the coder's messages. A document from before version 3
 * holds its messages inline and the log is not read. Throws BadInputError `checkpoint_unreadable` when
 * it is not a checkpoint this drydock can read (a newer version, a document or a message that fails the
 * schema, a log that does not hold as many messages as the document counts), saying which, so a session
 * is failed with the reason rather than resumed on a misread state.
 */
export function parseCheckpoint(document: JsonValue, log: readonly JsonValue[]): SessionCheckpoint {
  const { version: _version, messageCount, messages: inline, ...head } = parseDocument(document);
  if (inline === undefined && log.length !== messageCount) {
    throw unreadable(`its log holds ${log.length} messages where its document counts ${messageCount}`);
  }
  const parsed = conversation.safeParse({ messages: inline ?? log });
  if (!parsed.success) throw unreadable(z.prettifyError(parsed.error));
  const { agent, ...rest } = head as CheckpointHead;
  return { ...rest, agent: { ...agent, messages: parsed.data.messages } };
}

/**
 * The checkpoint as stored, at the current version: the document (everything but the coder's
 * messages, as plain JSON) and the entries of its log (the messages).
 */
export function checkpointJson(current: SessionCheckpoint): { document: JsonValue; log: JsonValue[] } {
  const { messages: log, ...agent } = current.agent;
  const document = { version: CHECKPOINT_VERSION, ...current, agent, messageCount: log.length };
  return { document: document as unknown as JsonValue, log: log as unknown as JsonValue[] };
}

function unreadable(why: string): BadInputError {
  return new BadInputError('checkpoint_unreadable', `The session's checkpoint cannot be read: ${why}.`);
}

/**
 * The session's checkpoint (document and log), upgraded to the current version; null when it has none
 * yet. Reads the two apart: call it where no other run writes the session (a run that claimed it).
 */
export async function readCheckpoint(
  store: Pick<Store, 'loadCheckpoint' | 'loadCheckpointLog'>,
  sessionId: string,
): Promise<SessionCheckpoint | null> {
  const document = await store.loadCheckpoint(sessionId);
  if (document === null) return null;
  const hasLog =
    typeof document === 'object' && !Array.isArray(document) && storedVersion(document) >= LOG_VERSION;
  return parseCheckpoint(document, hasLog ? await store.loadCheckpointLog(sessionId) : []);
}

/** The session's checkpoint without the conversation (parseCheckpointHead); null when it has none yet. */
export async function readCheckpointHead(
  store: Pick<Store, 'loadCheckpoint'>,
  sessionId: string,
): Promise<CheckpointHead | null> {
  const document = await store.loadCheckpoint(sessionId);
  return document === null ? null : parseCheckpointHead(document);
}
