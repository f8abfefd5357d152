import { BadInputError, ConflictError, describeError, isNotFound } from '../core/errors.ts';
import type { JsonValue } from '../core/ports/store.ts';
import type { AgentActivityType, Tracker, TrackerIssue, TrackerKind } from '../core/ports/tracker.ts';
import type { Session } from '../core/session.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { spendContext } from '../sessions/spend-limits.ts';
import { startWork } from './start-work.ts';
import type { TrackerDecision } from './tracker-events.ts';
import { type TrackerLinkData, trackerLinkKey } from './tracker-link.ts';
import type { TrackerNotifier } from './tracker-notifier.ts';
import { tellIssue } from './tracker-say.ts';
import { sessionUrl, type TriggerDeps } from './trigger-deps.ts';

export interface TrackerWorkDeps {
  triggers: TriggerDeps;
  tracker: Tracker;
  notifier: TrackerNotifier;
  /** A line for the operator's log (an event from a team or project no repository is mapped to). */
  log: (message: string, fields: Record<string, unknown>) => void;
  /** A comment on the issue failed (comments are best effort: the session and its outcome stand). */
  onError?: (error: unknown) => void;
}

export interface TrackerResult {
  /** `started`, `follow_up`, `ignored: <why>`, `failed: <why>`. */
  outcome: string;
  sessionId: string | null;
}

/** What a request on an issue drydock already works on must be to become a follow-up turn. */
const FOLLOW_UP_REASONS = new Set(['mentioned', 'prompted']);

const TRACKER_NAMES: Record<TrackerKind, { name: string; project: string }> = {
  linear: { name: 'Linear', project: 'team' },
  jira: { name: 'Jira', project: 'project' },
};

/** A session's task from an issue, and what the request added to it. Pure. */
export function trackerTask(issue: TrackerIssue, note: string | null): string {
  const parts = [issue.title.trim()];
  if (issue.description.trim() !== '') parts.push(issue.description.trim());
  if (note) parts.push(`Also asked on the issue: ${note}`);
  parts.push(`(${issue.key}: ${issue.url})`);
  return parts.join('\n\n');
}

/**
 * Acts on a tracker's request: reads the issue with drydock's credentials, finds the repository its team or
 * project is mapped to (none: a log line and a comment saying so, nothing else), and starts a session there,
 * linked to the issue and followed by the notifier. An issue drydock already works on takes a mention as a
 * follow-up turn; another assignment of it starts nothing.
 */
export async function actOnTrackerRequest(
  deps: TrackerWorkDeps,
  decision: TrackerDecision,
): Promise<TrackerResult> {
  if (decision.action === 'ignore') return { outcome: `ignored: ${decision.reason}`, sessionId: null };
  const { tracker } = deps;
  const { store } = deps.triggers.sessions;
  const names = TRACKER_NAMES[tracker.kind];
  let issue: TrackerIssue;
  try {
    issue = await tracker.readIssue(decision.issue);
  } catch (error) {
    // An issue drydock's account cannot see (another team, restricted): nothing to answer on, nothing to do.
    if (!isNotFound(error, 'tracker_issue_not_found')) throw error;
    return { outcome: `ignored: ${names.name} shows drydock no issue ${decision.issue}`, sessionId: null };
  }
  const target = { issueId: issue.id, agentSession: decision.agentSession };
  const say = (text: string, type: AgentActivityType = 'thought') =>
    tellIssue(tracker, target, type, text).catch((error: unknown) => deps.onError?.(error));
  const link = await store.findLink(trackerLinkKey(tracker.kind, issue.id));
  if (link) {
    if (!FOLLOW_UP_REASONS.has(decision.why) || decision.note === null) {
      return { outcome: `ignored: drydock already works on ${issue.key}`, sessionId: link.sessionId };
    }
    try {
      await sendMessage(
        store,
        link.sessionId,
        `${decision.note}\n\n(from ${decision.requester.name} on ${names.name})`,
        {
          by: { id: `${tracker.kind}:${decision.requester.id}`, name: decision.requester.name },
          spend: spendContext(deps.triggers.sessions),
        },
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await say(error.message, 'error');
      return { outcome: `ignored: ${error.code}`, sessionId: link.sessionId };
    }
    deps.notifier.watch(link.sessionId);
    deps.triggers.watch(link.sessionId);
    deps.triggers.wake(link.sessionId);
    await say('Got it: drydock takes this as a follow-up.');
    return { outcome: 'follow_up', sessionId: link.sessionId };
  }

  const mapping = await store.getTrackerMapping(tracker.kind, issue.project);
  if (!mapping) {
    deps.log(
      `${names.name} ${names.project} ${issue.project} is not mapped to a repository; ${issue.key} is left alone`,
      {
        tracker: tracker.kind,
        project: issue.project,
        issue: issue.key,
      },
    );
    const askAgain = decision.why === 'mentioned' ? 'mention drydock again' : 'assign the issue again';
    await say(
      `drydock is not set up for the ${names.name} ${names.project} ${issue.project}: an admin maps it to a repository in drydock's settings (Trackers), then ${askAgain}.`,
      'error',
    );
    return { outcome: `ignored: ${names.project} ${issue.project} is not mapped`, sessionId: null };
  }

  const requester = `${tracker.kind}:${decision.requester.id}`;
  const woken: string[] = [];
  let session: Session;
  try {
    session = await startWork(
      { ...deps.triggers, wake: (id) => woken.push(id) },
      {
        repo: mapping.repo,
        task: trackerTask(issue, decision.note),
        requester,
        createdBy: { id: requester, name: decision.requester.name },
      },
    );
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    await say(`drydock could not start: ${error.message}`, 'error');
    return { outcome: `failed: ${describeError(error)}`, sessionId: null };
  }
  const data: TrackerLinkData = {
    tracker: tracker.kind,
    issueId: issue.id,
    issueKey: issue.key,
    states: mapping.states,
    agentSession: decision.agentSession,
    done: [],
  };
  await store.linkSession(trackerLinkKey(tracker.kind, issue.id), session.id, data as unknown as JsonValue);
  deps.notifier.watch(session.id);
  for (const id of woken) deps.triggers.wake(id);
  const url = sessionUrl(deps.triggers, session.id);
  if (decision.agentSession !== null && tracker.agentSessionUrl) {
    // The agent session links to the drydock session's page (best effort, like the comments).
    await tracker
      .agentSessionUrl(decision.agentSession, url)
      .catch((error: unknown) => deps.onError?.(error));
  }
  if (session.state === 'failed') {
    await say(`drydock could not start: ${session.reason} (${url})`, 'error');
    return { outcome: `failed: ${session.reason}`, sessionId: session.id };
  }
  await say(`drydock is on it: ${url}`);
  return { outcome: 'started', sessionId: session.id };
}
