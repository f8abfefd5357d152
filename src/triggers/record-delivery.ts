import { type AuditActor, type AuditOutcome, type AuditSink, recordAudit } from '../core/audit.ts';

/** A trigger delivery as the audit log records it (docs/audit.md). */
export interface DeliveryAudit {
  /** `github`, `slack`, `hook:<name>`, `schedule:<name>`, `gitlab`, `linear`, `jira`. */
  source: string;
  /** The sender's delivery id (X-GitHub-Delivery, Slack's event_id, a schedule's due time), if any. */
  deliveryId: string | null;
  /** Who sent it, when the delivery says (`github:<login>`, `slack:<user>`); default the source itself. */
  actor?: AuditActor;
  /** What drydock did, as deliveries record it: `started`, `follow_up`, `ignored: <why>`, `failed: <why>`, `refused: <why>`. */
  outcome: string;
  sessionId?: string | null;
  /** A replay of a delivery already acted on: nothing new was done. */
  duplicate?: boolean;
  /** A few more facts (the event's kind, the repository); names only, never a secret. */
  details?: Record<string, unknown>;
}

/**
 * How a delivery's outcome reads in the audit log. Pure. Ignored, refused and duplicate deliveries are
 * `trigger.refused` with the reason; anything drydock acted on is `trigger.accepted`, `failed` when
 * acting on it failed.
 */
export function deliveryAuditAction(
  outcome: string,
  duplicate = false,
): { action: 'trigger.accepted' | 'trigger.refused'; outcome: AuditOutcome; reason: string | null } {
  if (duplicate)
    return { action: 'trigger.refused', outcome: 'refused', reason: `duplicate (first: ${outcome})` };
  const match = /^(ignored|refused|failed): ([\s\S]*)$/.exec(outcome);
  if (match?.[1] === 'failed')
    return { action: 'trigger.accepted', outcome: 'failed', reason: match[2] ?? '' };
  if (match) return { action: 'trigger.refused', outcome: 'refused', reason: match[2] ?? '' };
  return { action: 'trigger.accepted', outcome: 'ok', reason: null };
}

/**
 * Records one trigger delivery, accepted or refused, in the audit log. Every trigger calls it once per
 * delivery it answers (GitHub, Slack, hooks, schedules here; GitLab, Linear and Jira the same way); the
 * server records deliveries refused before a trigger saw them (a bad signature). The target is the
 * session it touched, else `<source>:<delivery id>`. Never throws (recordAudit).
 */
export async function recordDelivery(
  sink: AuditSink,
  delivery: DeliveryAudit,
  onError?: (error: unknown) => void,
): Promise<void> {
  const { action, outcome, reason } = deliveryAuditAction(delivery.outcome, delivery.duplicate);
  const sessionId = delivery.sessionId ?? null;
  await recordAudit(
    sink,
    {
      actor: delivery.actor ?? { id: delivery.source, name: delivery.source },
      action,
      target: sessionId ?? `${delivery.source}:${delivery.deliveryId ?? '-'}`,
      details: {
        source: delivery.source,
        deliveryId: delivery.deliveryId,
        result: delivery.outcome,
        ...(reason !== null ? { reason } : {}),
        ...(sessionId !== null ? { sessionId } : {}),
        ...delivery.details,
      },
      outcome,
    },
    onError,
  );
}
