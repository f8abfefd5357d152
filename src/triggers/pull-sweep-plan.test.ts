import { describe, expect, it } from 'vitest';
import type { SessionLink } from '../core/ports/store.ts';
import { originKey, toJsonValue } from './forge-link.ts';
import { closeOfState, orderToAsk, pullSweepKey, sweepCandidates, sweepRun } from './pull-sweep-plan.ts';

const origin = (
  sessionId: string,
  createdAt: string,
  extra: { pull?: number; pushTo?: { repo: string; branch: string }; repo?: string } = {},
): SessionLink => {
  const repo = extra.repo ?? 'acme/app';
  return {
    key: originKey(repo, sessionId),
    sessionId,
    createdAt,
    data: toJsonValue({
      origin: true,
      repo,
      base: 'main',
      issue: null,
      requester: 'me',
      ...(extra.pull === undefined ? {} : { pull: extra.pull }),
      ...(extra.pushTo ? { pushTo: extra.pushTo } : {}),
    }),
  };
};
const swept = (sessionId: string, data: SessionLink['data']): SessionLink => ({
  key: pullSweepKey(sessionId),
  sessionId,
  createdAt: '2026-01-01T00:00:00.000Z',
  data,
});

describe('sweepCandidates', () => {
  it('takes the pull requests drydock opened whose close the sweep has not seen, and nothing else', () => {
    const links = [
      origin('opened', '2026-01-01T00:00:00.000Z', { pull: 7 }),
      origin('no-pull-yet', '2026-01-02T00:00:00.000Z'),
      // A fix pushed to someone else's pull request: its close is not drydock's pull request's.
      origin('pushed', '2026-01-03T00:00:00.000Z', { pull: 9, pushTo: { repo: 'acme/app', branch: 'x' } }),
      origin('done', '2026-01-04T00:00:00.000Z', { pull: 10 }),
      origin('asked', '2026-01-05T00:00:00.000Z', { pull: 11, repo: 'gitlab:acme/app' }),
      // Not an origin link (the pull request's own link): no repository to ask.
      {
        key: 'github:acme/app#7',
        sessionId: 'opened',
        createdAt: '2026-01-01T00:00:00.000Z',
        data: { pull: 7 },
      },
    ];
    const state = [
      swept('done', { checkedAt: '2026-02-01T00:00:00.000Z', done: true }),
      swept('asked', { checkedAt: '2026-02-02T00:00:00.000Z' }),
      // A sweep link whose data is not the sweep's: ignored, as if never asked.
      swept('opened', { checkedAt: 5 }),
    ];
    expect(sweepCandidates(links, state)).toEqual([
      {
        sessionId: 'opened',
        repo: 'acme/app',
        number: 7,
        linkedAt: '2026-01-01T00:00:00.000Z',
        checkedAt: null,
      },
      {
        sessionId: 'asked',
        repo: 'gitlab:acme/app',
        number: 11,
        linkedAt: '2026-01-05T00:00:00.000Z',
        checkedAt: '2026-02-02T00:00:00.000Z',
      },
    ]);
  });
});

describe('orderToAsk', () => {
  const candidate = (sessionId: string, linkedAt: string, checkedAt: string | null) => ({
    sessionId,
    repo: 'acme/app',
    number: 1,
    linkedAt,
    checkedAt,
  });
  it('asks the never-asked first, oldest first, then the least recently asked', () => {
    const order = orderToAsk([
      candidate('asked-late', '2026-01-01', '2026-03-02'),
      candidate('new', '2026-01-05', null),
      candidate('asked-early', '2026-01-09', '2026-03-01'),
      candidate('old', '2026-01-02', null),
    ]).map((each) => each.sessionId);
    expect(order).toEqual(['old', 'new', 'asked-early', 'asked-late']);
  });
});

describe('closeOfState', () => {
  const state = {
    number: 7,
    url: 'https://github.com/acme/app/pull/7',
    by: 'alice',
    at: '2026-01-01T00:00:00Z',
  };
  it('is nothing while the pull request is open', () => {
    expect(closeOfState('acme/app', { ...state, state: 'open', by: null, at: null })).toBeNull();
  });
  it('names who merged or closed it with its forge, and leaves it out when the forge did not say', () => {
    expect(closeOfState('acme/app', { ...state, state: 'merged' })).toEqual({
      repo: 'acme/app',
      number: 7,
      url: state.url,
      merged: true,
      by: 'github:alice',
    });
    expect(closeOfState('gitlab:acme/app', { ...state, state: 'closed' })).toMatchObject({
      merged: false,
      by: 'gitlab:alice',
    });
    expect(closeOfState('acme/app', { ...state, state: 'closed', by: null })).not.toHaveProperty('by');
  });
});

describe('sweepRun', () => {
  it('is the same for every process within one interval, and the next one after', () => {
    const interval = 30 * 60_000;
    const a = sweepRun(new Date('2026-01-01T10:01:00Z'), interval);
    expect(sweepRun(new Date('2026-01-01T10:29:59Z'), interval)).toBe(a);
    expect(sweepRun(new Date('2026-01-01T10:30:00Z'), interval)).not.toBe(a);
  });
});
