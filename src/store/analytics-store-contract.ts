import { describe, expect, it } from 'vitest';
import {
  ANALYTICS_EVENTS,
  ANALYTICS_SESSIONS,
  analyticsFacts,
} from '../../test/support/analytics-fixture.ts';
import { ANALYTICS_EVENT_TYPES } from '../core/analytics.ts';
import type { SessionEvent } from '../core/events.ts';
import type { Store } from '../core/ports/store.ts';

/** listSessionFacts: the range's top-level sessions with their trees' events of the asked types, no others. */
export function describeAnalyticsStoreContract(store: () => Store): void {
  describe('session facts for analytics', () => {
    async function seed(): Promise<void> {
      for (const session of ANALYTICS_SESSIONS) await store().createSession(session);
      for (const event of ANALYTICS_EVENTS) await store().record(event.sessionId, { events: [event.data] });
    }
    const range = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-04T00:00:00.000Z' };

    it('gives the top-level sessions of the range, oldest first, with their trees’ events of the asked types', async () => {
      await seed();
      const facts = await store().listSessionFacts(range, ANALYTICS_EVENT_TYPES);
      // D1 is D's attempt; Z is before the range; R, R2, R3 (reviews) are top-level sessions like any other here.
      expect(facts.map(({ session }) => session.id)).toEqual([
        'A',
        'B',
        'C',
        'R2',
        'D',
        'R',
        'E',
        'F',
        'G',
        'R3',
      ]);
      // Findings acted on (recorded after the review ended) are read with the review.
      expect(
        facts.find(({ session }) => session.id === 'R2')?.events.map((event) => event.data.type),
      ).toEqual(['review.completed', 'review.findings_resolved', 'review.findings_resolved']);
      expect(facts.find(({ session }) => session.id === 'D')?.session).toMatchObject({
        kind: 'attempts',
        usage: { costUsd: 1.5, costUnknown: true },
      });
      // The same events as the hand-counted fixture's (session.created and the model error are not read).
      // Grouped by session (a stable sort keeps each log's order).
      const bySession = (events: SessionEvent[]) =>
        events.map((e) => [e.sessionId, e.data]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));
      const expected = new Map(analyticsFacts().map((f) => [f.session.id, bySession(f.events)]));
      for (const { session, events } of facts) {
        expect(bySession(events), session.id).toEqual(expected.get(session.id));
      }
      // Each log in order.
      const a = facts[0]?.events.map((event) => event.seq) ?? [];
      expect(a).toEqual([...a].sort((x, y) => x - y));
    });

    it('reads only the asked types, and nothing outside the range', async () => {
      await seed();
      const closes = await store().listSessionFacts(range, ['pull.closed']);
      expect(closes.flatMap(({ events }) => events.map((event) => event.data.type))).toEqual([
        'pull.closed',
        'pull.closed',
        'pull.closed',
      ]);
      const before = await store().listSessionFacts(
        { from: '2026-10-31T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' },
        ANALYTICS_EVENT_TYPES,
      );
      expect(before.map(({ session, events }) => [session.id, events.length])).toEqual([['Z', 1]]);
      expect(
        await store().listSessionFacts({ from: '2027-01-01T00:00:00.000Z', to: '2027-02-01T00:00:00.000Z' }, [
          'gate.verdict',
        ]),
      ).toEqual([]);
    });
  });
}
