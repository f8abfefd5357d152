import { resolve } from 'node:path';
import type { AttemptsChoice } from '../../core/attempts.ts';
import type { SessionEvent } from '../../core/events.ts';
import type { Session } from '../../core/session.ts';
import { isTerminal } from '../../core/session-state.ts';
import { readSse } from '../../core/sse.ts';
import { formatAttempts } from '../../sessions/attempts/attempts-report.ts';
import { isForgeRepoName } from '../../sessions/repo-input.ts';
import { EXIT, exitCodeFor } from '../exit-codes.ts';
import type { RemoteClient } from '../remote-client.ts';
import { EventRenderer } from '../render-event.ts';
import { formatAttemptsUnchosen, formatFollowUps, formatSession, formatSessionList } from './inspect.ts';
import { formatChildren } from './session-tree.ts';

type Write = (text: string) => void;
type SessionWithArtifacts = Session & { artifacts: Array<{ id: string; name: string }> };

/** `drydock sessions` against a server (DRYDOCK_URL). */
export async function remoteSessions(
  client: RemoteClient,
  options: { json: boolean; state?: string },
  write: Write,
) {
  const query = options.state ? `?state=${encodeURIComponent(options.state)}` : '';
  const { sessions } = await client.json<{ sessions: Session[] }>('GET', `/api/sessions${query}`);
  write(options.json ? `${JSON.stringify(sessions, null, 2)}\n` : formatSessionList(sessions, new Date()));
}

/** `drydock show` against a server, with the PR description or the bow-out report. */
export async function remoteShow(client: RemoteClient, id: string, options: { json: boolean }, write: Write) {
  const session = await client.json<SessionWithArtifacts>('GET', `/api/sessions/${encodeURIComponent(id)}`);
  if (options.json) return write(`${JSON.stringify(session, null, 2)}\n`);
  write(formatSession(session));
  write(formatFollowUps(await remoteEvents(client, id)));
  if (session.kind === 'manager' || session.kind === 'attempts') {
    const tree = await client.json<{ children: Session[]; choice: AttemptsChoice | null }>(
      'GET',
      `/api/sessions/${encodeURIComponent(id)}/children`,
    );
    write(
      session.kind === 'manager'
        ? formatChildren(tree.children)
        : `\n${tree.choice ? formatAttempts(tree.choice) : formatAttemptsUnchosen(tree.children)}\n`,
    );
  }
  const name = session.state === 'delivered' ? 'pull-request.md' : 'report.md';
  const artifact = session.artifacts.findLast((a) => a.name === name);
  if (artifact)
    write(
      `\n${await client.text('GET', `/api/sessions/${encodeURIComponent(id)}/artifacts/${artifact.id}`)}\n`,
    );
}

/** A session's whole log from a server, a page (500 events) at a time. */
async function remoteEvents(client: RemoteClient, id: string): Promise<SessionEvent[]> {
  const all: SessionEvent[] = [];
  for (;;) {
    const { events } = await client.json<{ events: SessionEvent[] }>(
      'GET',
      `/api/sessions/${encodeURIComponent(id)}/events?lastEventId=${all.at(-1)?.seq ?? 0}`,
      undefined,
      { accept: 'application/json' },
    );
    all.push(...events);
    if (events.length < 500) return all;
  }
}

/** `drydock logs` against a server: the log as it is, or (follow) live over SSE until the session ends. */
export async function remoteLogs(
  client: RemoteClient,
  id: string,
  options: { follow: boolean; json: boolean; signal?: AbortSignal },
  write: Write,
): Promise<Session['state'] | null> {
  const renderer = new EventRenderer();
  const print = (event: SessionEvent) => {
    if (options.json) return write(`${JSON.stringify(event)}\n`);
    const line = renderer.render(event);
    if (line !== null) write(`${event.at.slice(11, 19)} ${line}\n`);
  };
  const path = `/api/sessions/${encodeURIComponent(id)}/events`;
  if (!options.follow) {
    let after = 0;
    for (;;) {
      const { events } = await client.json<{ events: SessionEvent[] }>(
        'GET',
        `${path}?lastEventId=${after}`,
        undefined,
        {
          accept: 'application/json',
        },
      );
      for (const event of events) print(event);
      if (events.length < 500) return null;
      after = events.at(-1)!.seq;
    }
  }
  const session = await client.json<Session>('GET', `/api/sessions/${encodeURIComponent(id)}`);
  const response = await client.stream(path, options.signal);
  let state: Session['state'] = session.state;
  for await (const message of readSse(response)) {
    const event = JSON.parse(message.data) as SessionEvent;
    print(event);
    if (event.data.type === 'state.changed') state = event.data.to;
    if (isTerminal(state) && event.data.type === 'state.changed') break;
  }
  return state;
}

/**
 * How `--repo` names a registered repository on a server: `owner/name` and ids as they are; a path made
 * absolute here (the server looks it up among its registered paths and resolves nothing itself). Pure
 * but for the process's working directory.
 */
export function remoteRepoName(repo: string): string {
  const value = repo.trim();
  return isForgeRepoName(value) || /^[\w-]+$/.test(value) ? value : resolve(value);
}

/** `drydock run` against a server: creates the session there, then follows it to its end. */
export async function remoteRun(
  client: RemoteClient,
  request: {
    task: string;
    repo: string;
    ref?: string;
    model?: string;
    friendModel?: string;
    mode?: 'manager';
    attempts?: number;
    models?: string[];
  },
  write: Write,
  signal?: AbortSignal,
): Promise<number> {
  const created = await client.json<{ id: string }>('POST', '/api/sessions', {
    ...request,
    repo: remoteRepoName(request.repo),
  });
  write(`drydock session ${created.id} on ${client.url}\n`);
  const state = await remoteLogs(
    client,
    created.id,
    { follow: true, json: false, ...(signal ? { signal } : {}) },
    write,
  );
  if (state === null || !isTerminal(state)) return EXIT.internal;
  write('\n');
  await remoteShow(client, created.id, { json: false }, write);
  return exitCodeFor(state);
}
