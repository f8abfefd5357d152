import { z } from 'zod';
import type { EventData } from '../core/events.ts';
import type { Store } from '../core/ports/store.ts';
import { forgeKey } from './forge-link.ts';

const login = z.object({ login: z.string() });

/** The parts of a `pull_request` `closed` delivery drydock reads. */
const ClosedPayload = z.object({
  action: z.literal('closed'),
  pull_request: z.object({
    number: z.number().int(),
    html_url: z.string(),
    merged: z.boolean().nullish(),
    merged_by: login.nullish(),
  }),
  repository: z.object({ full_name: z.string() }),
  sender: login,
});

export interface PullClosed {
  repo: string;
  number: number;
  url: string;
  merged: boolean;
  /**
   * `github:<login>` or `gitlab:<username>`: who merged it, else who closed it; absent when the forge does not
   * say (GitHub's pull request names who merged it, not who closed it).
   */
  by?: string;
}

/** A `pull_request` delivery whose pull request was closed (merged or not), else null. Pure. */
export function parsePullClosed(event: string, payload: unknown): PullClosed | null {
  if (event !== 'pull_request') return null;
  const parsed = ClosedPayload.safeParse(payload);
  if (!parsed.success) return null;
  const { pull_request: pull, repository, sender } = parsed.data;
  const merged = pull.merged === true;
  const who = (merged ? pull.merged_by?.login : undefined) ?? sender.login;
  return { repo: repository.full_name, number: pull.number, url: pull.html_url, merged, by: `github:${who}` };
}

/**
 * Whether a close is news for a session's log: not when its last `pull.closed` for the same pull request
 * says the same (merged or not), as a redelivery or a second report of one close would. A pull request
 * closed, reopened and merged is recorded twice: analytics read the last. Pure.
 */
export function isNewClose(
  recorded: readonly EventData[],
  close: Pick<PullClosed, 'number' | 'merged'>,
): boolean {
  const last = recorded
    .filter((event) => event.type === 'pull.closed' && event.number === close.number)
    .at(-1);
  return last?.type !== 'pull.closed' || last.merged !== close.merged;
}

/** The delivery a close is claimed as before it is recorded: one per session, pull request and outcome. Pure. */
export function closeDeliveryId(sessionId: string, close: Pick<PullClosed, 'number' | 'merged'>): string {
  return `${sessionId}#${close.number}:${close.merged ? 'merged' : 'closed'}`;
}

/**
 * Records `pull.closed` on the session whose pull request (the link drydock made when it opened it) was
 * merged or closed. Returns the session's id, or null when the pull request is not one drydock opened
 * (an issue's link, someone's pull request drydock pushed a fix to, or nothing of drydock's). A webhook
 * and the sweep (pull-sweep.ts) call it for one close: the close is claimed as a delivery first, so of
 * two at once (two processes, too) only one records it, and a late redelivery of a close already
 * recorded, even after a later merge, records nothing.
 */
export async function recordPullClosed(store: Store, close: PullClosed): Promise<string | null> {
  const link = await store.findLink(forgeKey(close.repo, close.number, 'pull'));
  const data = link?.data;
  const ours =
    typeof data === 'object' && data !== null && !Array.isArray(data) && data.pull === close.number;
  if (!link || !ours) return null;
  const events = await store.listEvents(link.sessionId);
  if (
    !isNewClose(
      events.map((event) => event.data),
      close,
    )
  ) {
    return link.sessionId;
  }
  const claim = await store.claimDelivery('pull.closed', closeDeliveryId(link.sessionId, close));
  if (!claim.claimed) return link.sessionId;
  await store.record(link.sessionId, {
    events: [
      {
        type: 'pull.closed',
        url: close.url,
        number: close.number,
        merged: close.merged,
        ...(close.by ? { by: close.by } : {}),
      },
    ],
  });
  await store.finishDelivery('pull.closed', closeDeliveryId(link.sessionId, close), {
    sessionId: link.sessionId,
    outcome: close.merged ? 'pull_merged' : 'pull_closed',
  });
  return link.sessionId;
}
