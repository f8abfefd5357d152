import { z } from 'zod';
import type { SessionLink } from '../core/ports/store.ts';
import { TRACKER_KINDS, type TrackerKind } from '../core/ports/tracker.ts';

/**
 * A tracker-started session's link (`session_links`, key `<tracker>:<issue id>`): the issue it answers, where
 * the issue moves, and what drydock has posted and moved already, so every post happens once, across
 * restarts and redeliveries.
 */
export const TrackerLinkData = z.object({
  tracker: z.enum(TRACKER_KINDS),
  issueId: z.string(),
  issueKey: z.string(),
  states: z.object({ started: z.string(), delivered: z.string() }),
  /** Linear's agent session the work was asked through: drydock reports there instead of in comments. */
  agentSession: z.string().nullable().default(null),
  /** Keys of what was done: `moved:started`, `moved:delivered`, `ended:<state>@<updatedAt>`, `published:<commit>`. */
  done: z.array(z.string()).default([]),
});
export type TrackerLinkData = z.infer<typeof TrackerLinkData>;

export function trackerLinkKey(tracker: TrackerKind, issueId: string): string {
  return `${tracker}:${issueId}`;
}

/** The session's tracker link, if it has one. */
export function findTrackerLink(
  links: readonly SessionLink[],
): { key: string; data: TrackerLinkData } | null {
  for (const link of links) {
    if (!TRACKER_KINDS.some((kind) => link.key.startsWith(`${kind}:`))) continue;
    const parsed = TrackerLinkData.safeParse(link.data);
    if (parsed.success) return { key: link.key, data: parsed.data };
  }
  return null;
}
