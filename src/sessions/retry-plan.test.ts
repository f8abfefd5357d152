import { describe, expect, it } from 'vitest';
import type { EventData, SessionEvent } from '../core/events.ts';
import { blockedHosts, retryAllowance } from './retry-plan.ts';

const events = (...data: EventData[]): SessionEvent[] =>
  data.map((each, i) => ({ sessionId: 's', seq: i + 1, at: '2026-01-01T00:00:00.000Z', data: each }));

describe('blockedHosts', () => {
  it('lists each refused host:port once, in the order first refused', () => {
    expect(
      blockedHosts(
        events(
          { type: 'network.blocked', host: 'b.example.org', port: 443 },
          { type: 'message.received', text: 'hi' },
          { type: 'network.blocked', host: 'a.example.org', port: 80 },
          { type: 'network.blocked', host: 'b.example.org', port: 443 },
          { type: 'network.blocked', host: 'b.example.org', port: 8443 },
        ),
      ),
    ).toEqual([
      { host: 'b.example.org', port: 443 },
      { host: 'a.example.org', port: 80 },
      { host: 'b.example.org', port: 8443 },
    ]);
  });
});

describe('retryAllowance', () => {
  const blocked = [{ host: 'registry.example.org', port: 443 }];
  it.each([
    ['nothing asked keeps what it had', [{ host: 'x.org' }], [], [{ host: 'x.org' }]],
    ['a blocked host is added as host and port', [], ['registry.example.org:443'], [blocked[0]]],
    ['case and spaces do not matter', [], [' Registry.Example.org:443 '], [blocked[0]]],
    ['an allowed one is not added twice', [blocked[0]!], ['registry.example.org:443'], [blocked[0]]],
  ])('%s', (_name, previous, requested, expected) => {
    expect(retryAllowance(previous, blocked, requested)).toEqual(expected);
  });

  it.each([['registry.example.org:80'], ['registry.example.org'], ['*.example.org:443'], ['evil.org:443']])(
    'refuses %s, which the session was never refused',
    (requested) => {
      expect(() => retryAllowance([], blocked, [requested])).toThrow(/never tried/);
    },
  );
});
