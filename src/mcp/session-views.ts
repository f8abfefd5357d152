import type { SessionEvent } from '../core/events.ts';
import type { Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { truncate } from '../core/truncate.ts';

/** What drydock's MCP tools and resources answer with, built from a session and its log. Pure. */

const URI_PREFIX = 'drydock://sessions/';

/** The MCP resource of a session. */
export const SESSION_URI_TEMPLATE = `${URI_PREFIX}{id}`;

export function sessionUri(sessionId: string): string {
  return `${URI_PREFIX}${encodeURIComponent(sessionId)}`;
}

/** The session id a `drydock://sessions/<id>` URI names, or null for any other URI. */
export function sessionIdOfUri(uri: string): string | null {
  if (!uri.startsWith(URI_PREFIX)) return null;
  const rest = uri.slice(URI_PREFIX.length);
  if (rest === '' || rest.includes('/') || rest.includes('?') || rest.includes('#')) return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}

/** The pull request of a session published to a forge, when one was opened. */
export interface PullRequestLink {
  url: string;
  number: number | null;
}

/** `get_session`'s answer: where the session is, what came of it, what it cost. */
export type SessionView = {
  id: string;
  state: Session['state'];
  ended: boolean;
  task: string;
  repo: string;
  model: string;
  branch: string | null;
  baseCommit: string | null;
  headCommit: string | null;
  summary: string | null;
  reason: string | null;
  pullRequest: PullRequestLink | null;
  steps: number;
  cost: { usd: number; unknownForSomeCalls: boolean; inputTokens: number; outputTokens: number };
  kind?: Session['kind'];
  parentId?: string;
  createdBy?: string;
  createdAt: string;
  updatedAt: string;
  resource: string;
  /** What the caller can do next, in a sentence. */
  next: string;
};

export function sessionView(session: Session, pullRequest: PullRequestLink | null): SessionView {
  return {
    id: session.id,
    state: session.state,
    ended: isTerminal(session.state),
    task: session.task,
    repo: session.repo,
    model: session.model,
    branch: session.branch,
    baseCommit: session.baseCommit,
    headCommit: session.headCommit,
    summary: session.summary,
    reason: session.reason,
    pullRequest,
    steps: session.steps,
    cost: {
      usd: session.usage.costUsd,
      unknownForSomeCalls: session.usage.costUnknown === true,
      inputTokens: session.usage.inputTokens,
      outputTokens: session.usage.outputTokens,
    },
    ...(session.kind === undefined ? {} : { kind: session.kind }),
    ...(session.parentId === undefined ? {} : { parentId: session.parentId }),
    ...(session.createdBy === undefined ? {} : { createdBy: session.createdBy.name }),
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    resource: sessionUri(session.id),
    next: nextStep(session, pullRequest),
  };
}

function nextStep(session: Session, pullRequest: PullRequestLink | null): string {
  switch (session.state) {
    case 'delivered':
      return pullRequest
        ? `Review the pull request ${pullRequest.url}; get_diff shows the change; send_message asks for more on the same branch.`
        : `The change is on branch ${session.branch} in ${session.repo}; get_diff shows it; send_message asks for more on the same branch.`;
    case 'bowed_out':
      return 'drydock could not show that a change works; reason says why. send_message with guidance opens a new turn.';
    case 'failed':
      return 'The session failed (reason says why); start a new one with create_session.';
    case 'cancelled':
      return 'The session was cancelled; start a new one with create_session.';
    default:
      return 'Still running: call get_session again later, or subscribe to its resource for updates.';
  }
}

/** One line of `list_sessions`: enough to pick a session, with the task cut short. */
export function sessionListItem(session: Session): {
  id: string;
  state: Session['state'];
  task: string;
  repo: string;
  branch: string | null;
  updatedAt: string;
} {
  return {
    id: session.id,
    state: session.state,
    task: truncate(session.task, MAX_LISTED_TASK_CHARS).text,
    repo: session.repo,
    branch: session.branch,
    updatedAt: session.updatedAt,
  };
}

const MAX_LISTED_TASK_CHARS = 200;

/** How many of a session's latest events its resource shows. */
export const RESOURCE_EVENTS = 50;

/** An event's data bigger than this (as JSON) is left out of the resource, with a note where to read it. */
const MAX_EVENT_DATA_CHARS = 4_000;

/** Events for live viewers only (a reply or a command's output as it streams): not in a resource. */
export function isStreamingEvent(event: SessionEvent): boolean {
  return event.data.type === 'model.delta' || event.data.type === 'tool.output';
}

/**
 * `drydock://sessions/<id>`'s content: the session and its latest events (streaming ones left out by the
 * caller), each event's data capped.
 */
export function sessionDocument(
  session: Session,
  pullRequest: PullRequestLink | null,
  latestEvents: readonly SessionEvent[],
): { session: SessionView; events: Array<{ seq: number; at: string; type: string; data: unknown }> } {
  return {
    session: sessionView(session, pullRequest),
    events: latestEvents.map((event) => {
      const json = JSON.stringify(event.data);
      const data =
        json.length <= MAX_EVENT_DATA_CHARS
          ? event.data
          : {
              type: event.data.type,
              omitted: `${json.length} characters; drydock logs ${session.id} --json, or GET /api/sessions/${session.id}/events, has the whole event`,
            };
      return { seq: event.seq, at: event.at, type: event.data.type, data };
    }),
  };
}

/** The most `get_diff` answers with; the rest is cut with a note saying where the whole diff is. */
export const MAX_DIFF_CHARS = 60_000;

/** `get_diff`'s text: the diff (cut to `maxChars` with a note), or why there is none yet. */
export function diffText(session: Session, diff: string, maxChars = MAX_DIFF_CHARS): string {
  if (diff === '') {
    return isTerminal(session.state)
      ? `Session ${session.id} ended ${session.state} with no change.`
      : `Session ${session.id} is ${session.state} and has changed nothing yet.`;
  }
  const where = session.branch
    ? `the whole change is on branch ${session.branch} in ${session.repo}`
    : `GET /api/sessions/${session.id}/diff has the whole diff`;
  return truncate(diff, maxChars, { note: where }).text;
}
