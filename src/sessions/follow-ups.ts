import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { SessionEvent } from '../core/events.ts';
import type { Store } from '../core/ports/store.ts';
import type { Session, SessionCreator } from '../core/session.ts';
import { isTerminal, type SessionState } from '../core/session-state.ts';
import type { SpendLimit } from '../core/spend-limits.ts';
import { readCheckpointHead } from './checkpoint-schema.ts';
import { SessionRecorder } from './session-recorder.ts';
import { refuseOverSpend, spendRepo } from './spend-limits.ts';

export const MAX_MESSAGE_CHARS = 100_000;

/**
 * What a follow-up does to a session in `state`. Pure. A live session keeps it for the agent's next
 * step; a delivered or bowed-out one opens a new turn (queued again, same workspace and branch); a
 * failed or cancelled one cannot take it.
 */
export function decideMessage(state: SessionState): 'keep' | 'reopen' | 'refuse' {
  if (state === 'delivered' || state === 'bowed_out') return 'reopen';
  if (state === 'failed' || state === 'cancelled') return 'refuse';
  return 'keep';
}

/** Wraps a person's follow-up for the coder. */
export function followUpPrompt(text: string): string {
  return `A follow-up from the person who gave you this task:\n\n${text}`;
}

/** The texts of `message.received` events. Pure. */
export function messageTexts(events: readonly SessionEvent[]): string[] {
  return events.flatMap((event) => (event.data.type === 'message.received' ? [event.data.text] : []));
}

export interface FollowUpOptions {
  /** Who sent it (attribution: the timeline and `drydock show` say so). */
  by?: SessionCreator;
  /**
   * Where spend is charged and the server's own limits: a follow-up that opens a new turn under a spent
   * limit is refused (docs/cost.md). Without it only the stored limits are checked.
   */
  spend?: { home: string; limits?: readonly SpendLimit[] };
}

/**
 * Records a follow-up on a session: `message.received`, plus the move back to `queued` when it opens
 * a new turn. Returns the message's event. Throws NotFoundError or ConflictError (failed, cancelled, or
 * an attempt of an attempts session: its parent takes the messages).
 */
export async function sendMessage(
  store: Store,
  sessionId: string,
  text: string,
  options: FollowUpOptions = {},
): Promise<SessionEvent> {
  const { by, spend } = options;
  const session = await store.getSession(sessionId);
  if (!session) throw new NotFoundError('session_not_found', `No session ${sessionId}.`);
  if (session.kind === 'attempt') {
    // An attempt is one of several runs of its parent's task: the parent delivers, and it takes the messages.
    throw new ConflictError(
      'attempt_not_steerable',
      `Session ${sessionId} is an attempt of session ${session.parentId}; message the parent session ${session.parentId} instead.`,
    );
  }
  const action = decideMessage(session.state);
  if (action === 'refuse') {
    throw new ConflictError(
      'session_ended',
      `Session ${sessionId} is ${session.state}; it cannot take a follow-up. Start a new session instead.`,
    );
  }
  const recorder = new SessionRecorder(store, session, {});
  const message = { type: 'message.received' as const, text, ...attribution(by) };
  if (action === 'reopen') {
    // A new turn under a spent limit is refused (ConflictError spend_limit_reached) before it is queued.
    await refuseOverSpend(
      store,
      {
        repo: spend ? spendRepo(spend.home, session.repo) : session.repo,
        ...(session.createdBy ? { creator: session.createdBy.id } : {}),
      },
      spend?.limits,
    );
    const [event] = await recorder.record([message]);
    await recorder.transition('queued', { reason: 'a follow-up opens a new turn' });
    return event!;
  }
  const [event] = await recorder.record([message]);
  // The run may have ended between reading the state and recording: then nobody will read the
  // message, so open the new turn here.
  await reopenIfUnread(store, sessionId);
  return event!;
}

/**
 * Queues an ended (delivered or bowed-out) session again when a follow-up arrived that its agent never
 * read. Returns whether it did. Called when a run ends and after a message is recorded.
 */
export async function reopenIfUnread(store: Store, sessionId: string): Promise<boolean> {
  const session = await store.getSession(sessionId);
  if (!session || decideMessage(session.state) !== 'reopen') return false;
  const checkpoint = await readCheckpointHead(store, sessionId);
  const unread = messageTexts(await store.listEvents(sessionId, checkpoint?.messagesSeenSeq ?? 0));
  if (unread.length === 0) return false;
  await new SessionRecorder(store, session, {}).transition('queued', {
    reason: 'a follow-up arrived as the turn ended; it opens a new turn',
  });
  return true;
}

/** Cancels a session no worker runs yet. Throws ConflictError unless it is queued. */
export async function cancelQueuedSession(store: Store, session: Session): Promise<Session> {
  if (session.state !== 'queued') {
    throw new ConflictError('session_not_queued', `Session ${session.id} is ${session.state}, not queued.`);
  }
  const recorder = new SessionRecorder(store, session, {});
  const reason = 'cancelled by the user before it started';
  await recorder.transition('cancelled', { reason, patch: { reason } });
  return recorder.session;
}

/** What cancelling a session does. Pure: whether this process runs it is the caller's knowledge. */
export function decideCancel(
  state: SessionState,
  runningHere: boolean,
): 'abort' | 'cancel_queued' | 'ended' | 'request' {
  if (runningHere) return 'abort';
  if (state === 'queued') return 'cancel_queued';
  if (state === 'delivered' || state === 'bowed_out' || state === 'failed' || state === 'cancelled')
    return 'ended';
  return 'request';
}

/**
 * Records a request to cancel a session another process runs (`cancel.requested`): its worker aborts
 * the run when it next looks (cancelRequested), and a worker that resumes the session later sees it too.
 */
export async function requestCancel(
  store: Store,
  sessionId: string,
  by?: SessionCreator,
): Promise<SessionEvent> {
  const [event] = await store.record(sessionId, {
    events: [{ type: 'cancel.requested', ...attribution(by) }],
  });
  return event!;
}

/** The `by` and `byName` of an event someone caused, or nothing when no one is known. Pure. */
export function attribution(by: SessionCreator | undefined): { by?: string; byName?: string } {
  return by ? { by: by.id, byName: by.name } : {};
}

/**
 * Whether the log holds a cancel request the current turn has not answered: one recorded after the
 * last move to a final state (a later follow-up turn is not cancelled by an old request). Pure.
 */
export function cancelRequested(events: readonly SessionEvent[], requestedBefore = false): boolean {
  let requested = requestedBefore;
  for (const { data } of events) {
    if (data.type === 'cancel.requested') requested = true;
    else if (data.type === 'state.changed' && isTerminal(data.to)) requested = false;
  }
  return requested;
}
