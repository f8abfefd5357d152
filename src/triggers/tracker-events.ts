/** What a tracker webhook asks of drydock, decided from its payload alone (linear-events.ts, jira-events.ts). */
export type TrackerDecision =
  | { action: 'ignore'; reason: string }
  | {
      /** Work on the issue: start a session, or (an issue drydock already works on) a follow-up. */
      action: 'work';
      /** The issue's id in the tracker. */
      issue: string;
      /** Who asked (the assigner, the commenter). */
      requester: { id: string; name: string };
      /** What the request added to the issue (a comment's text, mention stripped), or null. */
      note: string | null;
      /** `assigned`, `delegated`, `labelled`, `mentioned`, `agent_session`, `prompted` (a reply in one). */
      why: string;
      /** Linear's agent session the request came through: drydock answers there instead of in comments. */
      agentSession: string | null;
    };

/** Whether `text` mentions `@handle` (case-insensitive, a whole word). Pure. */
export function mentions(text: string, handle: string): boolean {
  const escaped = handle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w@])@${escaped}(?![\\w-])`, 'i').test(text);
}

/** `text` without its `@handle` mentions, trimmed. Pure. */
export function stripMention(text: string, handle: string): string {
  const escaped = handle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(new RegExp(`@${escaped}(?![\\w-])[,:]?`, 'gi'), '').trim();
}
