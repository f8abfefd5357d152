import type { AttemptsChoice } from '../../core/attempts.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events.ts';
import type { Store } from '../../core/ports/store.ts';
import { describeCost, type Session } from '../../core/session.ts';
import { isTerminal } from '../../core/session-state.ts';
import { formatAttempts } from '../../sessions/attempts/attempts-report.ts';
import { EventRenderer, oneLine } from '../render-event.ts';

/**
 * The session's main document: the PR description when delivered (a review session's review), the
 * bow-out report otherwise.
 */
export async function sessionDocument(store: Store, session: Session): Promise<string | null> {
  const delivered = session.kind === 'review' ? 'review.md' : 'pull-request.md';
  const name = session.state === 'delivered' ? delivered : 'report.md';
  const artifact = (await store.listArtifacts(session.id)).findLast((a) => a.name === name);
  return artifact ? ((await store.getArtifact(artifact.id))?.content ?? null) : null;
}

export async function getSessionOrThrow(store: Store, id: string): Promise<Session> {
  const session = await store.getSession(id);
  if (!session)
    throw new NotFoundError('session_not_found', `No session "${id}". List sessions with: drydock sessions`);
  return session;
}

function childOf(session: Session): string {
  return session.kind === 'attempt' ? 'this session is one of its attempts' : 'this session is its child';
}

/**
 * `drydock show` of an attempts session: its attempts side by side and why the winner won (from its
 * `attempts.chosen`), or, before the choice, each attempt's state. Null for any other kind.
 */
export async function attemptsView(store: Store, session: Session): Promise<string | null> {
  if (session.kind !== 'attempts') return null;
  let chosen: AttemptsChoice | null = null;
  let after = 0;
  for (;;) {
    const page = await store.listEvents(session.id, after, 500);
    for (const event of page) {
      if (event.data.type === 'attempts.chosen') {
        const { type: _, ...choice } = event.data;
        chosen = choice;
      }
    }
    if (page.length < 500) break;
    after = page.at(-1)?.seq ?? after;
  }
  if (chosen) return `${formatAttempts(chosen)}\n`;
  const children = await store.listSessions({ parentId: session.id, order: 'oldest', limit: 100 });
  return `${formatAttemptsUnchosen(children)}\n`;
}

/** An attempts session's attempts before it chose: each one's state, model and cost so far. Pure. */
export function formatAttemptsUnchosen(children: readonly Session[]): string {
  if (children.length === 0) return 'attempts: none started yet';
  return `attempts:\n${children.map((child) => `  ${child.id}  ${child.state.padEnd(12)} ${child.model}  ${describeCost(child.usage)}`).join('\n')}`;
}

/** `drydock sessions`: newest first, one line each. */
export function formatSessionList(sessions: readonly Session[], now: Date): string {
  if (sessions.length === 0) return 'No sessions yet. Try: drydock demo\n';
  const rows = sessions.map((s) => [
    s.id,
    s.state,
    age(s.createdAt, now),
    String(s.steps),
    s.attemptModels ? `[best of ${s.attemptModels.length}] ${oneLine(s.task, 48)}` : oneLine(s.task, 60),
  ]);
  const header = ['ID', 'STATE', 'AGE', 'STEPS', 'TASK'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** `drydock show`: everything about one session, for people. */
export function formatSession(session: Session): string {
  const fields: Array<[string, string | null]> = [
    ['session', session.id],
    ['state', session.state],
    ['kind', session.kind ?? null],
    [session.kind === 'child' ? 'manager' : 'parent', session.parentId ?? null],
    ['task', session.task],
    ['repo', session.repo],
    ['ref', session.ref],
    ['branch', session.branch],
    ['base', session.baseCommit],
    ['head', session.headCommit],
    ['model', session.model],
    ['attempts', session.attemptModels ? session.attemptModels.join(', ') : null],
    [
      'parent',
      session.parentId ? `${session.parentId} (${childOf(session)}; drydock show ${session.parentId})` : null,
    ],
    ['friend', session.friendModel ?? null],
    ['steps', String(session.steps)],
    [
      'tokens',
      `${session.usage.inputTokens} in, ${session.usage.outputTokens} out${session.usage.reasoningTokens ? ` (${session.usage.reasoningTokens} reasoning)` : ''}`,
    ],
    ['cost', describeCost(session.usage)],
    ['created', session.createdAt],
    ['updated', session.updatedAt],
    ['summary', session.summary],
    ['reason', session.reason],
  ];
  return `${fields
    .filter(([, value]) => value !== null && value !== '')
    .map(([name, value]) => `${name.padEnd(8)} ${value}`)
    .join('\n')}\n`;
}

/**
 * `drydock logs`: prints the event log, and with `follow` keeps polling until the session ends.
 * Polling the store works across processes (the run may be in another terminal).
 */
export async function printLogs(
  store: Store,
  id: string,
  options: { follow: boolean; json: boolean; signal?: AbortSignal; pollMs?: number },
  write: (text: string) => void,
): Promise<void> {
  await getSessionOrThrow(store, id);
  const renderer = new EventRenderer();
  const print = (event: SessionEvent) => {
    if (options.json) return write(`${JSON.stringify(event)}\n`);
    const line = renderer.render(event);
    if (line !== null) write(`${event.at.slice(11, 19)} ${line}\n`);
  };
  let cursor = 0;
  for (;;) {
    const events = await store.listEvents(id, cursor, 500);
    for (const event of events) print(event);
    cursor = events.at(-1)?.seq ?? cursor;
    if (events.length === 500) continue;
    if (!options.follow || options.signal?.aborted) return;
    const session = await getSessionOrThrow(store, id);
    if (isTerminal(session.state)) {
      const rest = await store.listEvents(id, cursor);
      for (const event of rest) print(event);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

function age(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/**
 * `drydock show`'s follow-ups: each message and cancel request, when, and who sent it ("from <name>");
 * events from before drydock recorded senders show without one. Empty when there are none. Pure.
 */
export function formatFollowUps(events: readonly SessionEvent[]): string {
  const lines = events.flatMap(({ at, data }) => {
    const when = at.slice(0, 19).replace('T', ' ');
    if (data.type === 'message.received') {
      return [`  ${when}  ${data.byName ? `from ${data.byName}: ` : ''}${oneLine(data.text, 120)}`];
    }
    if (data.type === 'cancel.requested') {
      return [`  ${when}  cancel requested${data.byName ? ` by ${data.byName}` : ''}`];
    }
    return [];
  });
  return lines.length === 0 ? '' : `\nfollow-ups:\n${lines.join('\n')}\n`;
}
