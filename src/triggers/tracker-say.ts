import type { AgentActivityType, Tracker } from '../core/ports/tracker.ts';

/**
 * Tells the person who asked: in the Linear agent session the request came through (as an activity of
 * `type`), else as a comment on the issue.
 */
export async function tellIssue(
  tracker: Tracker,
  target: { issueId: string; agentSession: string | null },
  type: AgentActivityType,
  body: string,
): Promise<void> {
  if (target.agentSession !== null && tracker.agentActivity) {
    await tracker.agentActivity(target.agentSession, type, body);
    return;
  }
  await tracker.comment(target.issueId, body);
}
