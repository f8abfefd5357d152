import { askFriend, triedSoFar } from '../agent/friend.ts';
import type { FriendDesk } from '../agent/tools/ask-friend.ts';
import { ANSWER_EXCERPT_CHARS } from '../agent/tools/ask-friend.ts';
import type { EventData } from '../core/events.ts';
import type { ResolvedModel } from '../core/ports/models.ts';
import { addUsage, type Budget, friendCostCapUsd, type Usage } from '../core/session.ts';
import { truncateText } from '../core/truncate.ts';
import { displayPath, parseUnifiedDiff } from '../core/unified-diff.ts';
import { workspaceChange } from '../forge/local-delivery.ts';
import type { GateVerdict } from '../verify/gate.ts';
import type { FriendTally, SessionCheckpoint } from './session-checkpoint.ts';
import { runGit, type SessionRun } from './session-run.ts';

// The smart friend in a session: the coder's `ask_friend` desk, and drydock's own consult when the gate
// keeps failing. Both count against one budget (the checkpoint's `friend` tally) and both are events.

/** The gate failures in a row after which drydock consults the friend about the approach itself. */
export const FRIEND_AFTER_FAILED_ROUNDS = 2;
/** The most characters of the diff drydock shows the friend with a gate consult. */
const MAX_DIFF_CHARS = 20_000;

/** The session's friend, or null when it has none (then the coder gets no `ask_friend`). */
export function sessionFriend(run: SessionRun): ResolvedModel | null {
  return run.recorder.session.friendModel ? run.router.resolve('friend') : null;
}

/** Why a consult may not happen under `budget` after `tally`, or null when it may. Pure. */
export function friendRefusal(budget: Budget, tally: FriendTally | undefined): string | null {
  const consults = tally?.consults ?? 0;
  const costUsd = tally?.costUsd ?? 0;
  const capUsd = friendCostCapUsd(budget);
  const spent =
    consults >= budget.maxFriendConsults
      ? `all ${budget.maxFriendConsults} consults are used`
      : costUsd >= capUsd
        ? `its answers cost $${costUsd.toFixed(4)} of the $${capUsd.toFixed(2)} they may`
        : null;
  return spent === null
    ? null
    : `The friend's budget for this session is spent (${spent}): no more consults. Go on without it.`;
}

/** The tally after one more consult that cost `usage`. Pure. */
export function countConsult(tally: FriendTally | undefined, usage: Usage): FriendTally {
  return {
    consults: (tally?.consults ?? 0) + 1,
    costUsd: (tally?.costUsd ?? 0) + usage.costUsd,
    inputTokens: (tally?.inputTokens ?? 0) + usage.inputTokens,
    outputTokens: (tally?.outputTokens ?? 0) + usage.outputTokens,
  };
}

/**
 * The coder's desk for `ask_friend`. A consult moves the tally in the in-memory checkpoint, which the
 * loop's next record saves with the consult's event.
 */
export function friendDesk(run: SessionRun, friend: ResolvedModel): FriendDesk {
  return {
    friend,
    task: run.recorder.session.task,
    refusal: () => friendRefusal(run.deps.budget, run.checkpoint.friend),
    digest: () => sessionDigest(run),
    spent: (usage) => {
      run.checkpoint = { ...run.checkpoint, friend: countConsult(run.checkpoint.friend, usage) };
    },
    nowMs: () => run.deps.clock.now().getTime(),
  };
}

/** The session so far, for the friend: what the coder tried, the last gate failure, the diff's size. */
export async function sessionDigest(run: SessionRun): Promise<string> {
  const { agent, gate } = run.checkpoint;
  const verdict = gate.lastVerdict;
  const { diff } = await workspaceChange(runGit(run), run.baseCommit);
  return [
    `What the agent did so far:\n${triedSoFar(agent.messages)}`,
    verdict && !verdict.passed
      ? `The last verification (round ${gate.verifyRounds}) failed:\n${verdict.problems.map((problem) => `- ${problem}`).join('\n')}`
      : gate.verifyRounds > 0
        ? `The last verification (round ${gate.verifyRounds}) passed.`
        : 'Not verified yet.',
    `The change so far: ${diffStat(diff)}`,
  ].join('\n\n');
}

/** `src/a.ts +3 -1, test/a.test.ts (added) +20 -0`, or "no change". Pure. */
export function diffStat(diff: string): string {
  const files = parseUnifiedDiff(diff);
  if (files.length === 0) return 'no change.';
  const each = files.map((file) => {
    const how = file.change === 'modified' ? '' : ` (${file.change})`;
    return `${displayPath(file)}${how} +${file.added.length} -${file.removed.length}`;
  });
  return `${files.length} file${files.length === 1 ? '' : 's'}: ${each.join(', ')}.`;
}

/**
 * After the gate failed {@link FRIEND_AFTER_FAILED_ROUNDS} rounds in a row, drydock asks the friend
 * about the approach (once per session, within the friend's budget) and returns the checkpoint with its
 * advice added to the coder's next message, the consult counted, and the event to record. Null when no
 * consult is due or it failed: a friend that cannot answer must not stop the session.
 */
export async function adviseAfterFailures(
  run: SessionRun,
  input: { checkpoint: SessionCheckpoint; verdict: GateVerdict; round: number; diff: string },
): Promise<{ checkpoint: SessionCheckpoint; event: EventData } | null> {
  const { checkpoint, verdict, round, diff } = input;
  const friend = sessionFriend(run);
  if (
    friend === null ||
    verdict.passed ||
    checkpoint.gate.friendAdvised ||
    (checkpoint.gate.failedInARow ?? 0) < FRIEND_AFTER_FAILED_ROUNDS ||
    friendRefusal(run.deps.budget, checkpoint.friend) !== null
  ) {
    return null;
  }
  const question =
    `The verification gate failed ${checkpoint.gate.failedInARow} times in a row. Its latest findings:\n` +
    `${verdict.problems.map((problem) => `- ${problem}`).join('\n')}\n\n` +
    'Is the approach wrong? Say what you think is going on and what the agent should do next.';
  const startedMs = run.deps.clock.now().getTime();
  let answer: string;
  let usage: Usage;
  try {
    ({ answer, usage } = await askFriend({
      friend,
      brief: {
        task: run.recorder.session.task,
        question,
        files: [
          {
            path: '(the change, as a diff against the base commit)',
            content: truncateText(diff, MAX_DIFF_CHARS),
          },
        ],
        digest: `What the agent did so far:\n${triedSoFar(checkpoint.agent.messages)}\n\nThe failing checks' output:\n${truncateText(verdict.feedback, 8_000)}`,
      },
      signal: run.signal,
      redact: run.redact,
    }));
  } catch {
    return null;
  }
  const agent = checkpoint.agent;
  const messages = [...agent.messages];
  const last = messages.at(-1);
  const advice = `drydock asked a stronger model (${friend.spec}) about these repeated failures. Its advice:\n\n${answer}`;
  // The gate's feedback is the coder's last message: the advice goes with it, into its next prompt.
  if (last?.role === 'user' && typeof last.content === 'string') {
    messages[messages.length - 1] = { role: 'user', content: `${last.content}\n\n${advice}` };
  } else {
    messages.push({ role: 'user', content: advice });
  }
  return {
    checkpoint: {
      ...checkpoint,
      agent: { ...agent, messages, usage: addUsage(agent.usage, usage) },
      gate: { ...checkpoint.gate, friendAdvised: true },
      friend: countConsult(checkpoint.friend, usage),
    },
    event: {
      type: 'friend.consulted',
      trigger: 'gate',
      round,
      model: friend.spec,
      question,
      answer: truncateText(answer, ANSWER_EXCERPT_CHARS),
      usage,
      durationMs: run.deps.clock.now().getTime() - startedMs,
    },
  };
}
