import { describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../core/audit.ts';
import { deliveryAuditAction, recordDelivery } from './record-delivery.ts';

describe('a trigger delivery in the audit log', () => {
  it.each([
    ['started', false, 'trigger.accepted', 'ok', null],
    ['follow_up', false, 'trigger.accepted', 'ok', null],
    ['ignored: octo has no write access', false, 'trigger.refused', 'refused', 'octo has no write access'],
    ['refused: bad_signature', false, 'trigger.refused', 'refused', 'bad_signature'],
    ['failed: the repository moved', false, 'trigger.accepted', 'failed', 'the repository moved'],
    ['started', true, 'trigger.refused', 'refused', 'duplicate (first: started)'],
  ] as const)('%s (duplicate: %s) is %s, %s', (result, duplicate, action, outcome, reason) => {
    expect(deliveryAuditAction(result, duplicate)).toEqual({ action, outcome, reason });
  });

  it('targets the session it touched, else the delivery, and defaults the actor to the source', async () => {
    const written: NewAuditEntry[] = [];
    const sink = { appendAudit: async (entry: NewAuditEntry) => void written.push(entry) };
    await recordDelivery(sink, { source: 'gitlab', deliveryId: 'd1', outcome: 'started', sessionId: 's1' });
    await recordDelivery(sink, { source: 'jira', deliveryId: null, outcome: 'ignored: not mapped' });
    expect(written).toEqual([
      {
        actor: { id: 'gitlab', name: 'gitlab' },
        action: 'trigger.accepted',
        target: 's1',
        details: { source: 'gitlab', deliveryId: 'd1', result: 'started', sessionId: 's1' },
        outcome: 'ok',
      },
      {
        actor: { id: 'jira', name: 'jira' },
        action: 'trigger.refused',
        target: 'jira:-',
        details: { source: 'jira', deliveryId: null, result: 'ignored: not mapped', reason: 'not mapped' },
        outcome: 'refused',
      },
    ]);
  });
});
