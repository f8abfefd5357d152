import { describe, expect, it } from 'vitest';
import { basename, formatAge, formatCost, formatRate, formatTokens, formatUsageCost } from './format.ts';
import { evalPath, parseRoute, sessionPath } from './router.ts';

describe('format', () => {
  it('formats ages, costs, tokens and repository names', () => {
    const now = Date.parse('2025-01-02T00:00:00Z');
    expect(
      ['2025-01-01T23:59:30Z', '2025-01-01T23:00:00Z', '2025-01-01T00:00:00Z', '2024-12-20T00:00:00Z'].map(
        (t) => formatAge(t, now),
      ),
    ).toEqual(['30s', '1h', '24h', '13d']);
    expect([0, 0.0042, 1.5].map(formatCost)).toEqual(['$0', '$0.0042', '$1.50']);
    expect([950, 1234, 56_000, 2_500_000].map(formatTokens)).toEqual(['950', '1.2k', '56k', '2.5M']);
    expect([basename('/home/me/src/app/'), basename('app')]).toEqual(['app', 'app']);
    expect([null, 0, 0.25, 1 / 3, 0.07, 1].map(formatRate)).toEqual([
      '—',
      '0%',
      '25%',
      '33.3%',
      '7%',
      '100%',
    ]);
  });
});

describe('routes', () => {
  it('round-trips session paths and tabs', () => {
    expect(parseRoute('/')).toEqual({ page: 'list' });
    expect(parseRoute('/new')).toEqual({ page: 'new' });
    expect(parseRoute('/settings')).toEqual({ page: 'settings' });
    expect(parseRoute(sessionPath('a b', 'diff').split('?')[0] ?? '', '?tab=diff')).toEqual({
      page: 'session',
      id: 'a b',
      tab: 'diff',
    });
    expect(parseRoute('/sessions/x', '?tab=bogus')).toEqual({ page: 'session', id: 'x', tab: 'timeline' });
    expect(parseRoute('/nope').page).toBe('not-found');
    expect(parseRoute('/evals/')).toEqual({ page: 'evals' });
    expect(parseRoute('/analytics', '?from=2026-11-01')).toEqual({ page: 'analytics' });
    expect(parseRoute(evalPath('run/1'))).toEqual({ page: 'eval', id: 'run/1' });
  });
});

describe('formatUsageCost', () => {
  it('shows an unknown price as unknown, never $0', () => {
    expect(formatUsageCost({ costUsd: 0 })).toBe('$0');
    expect(formatUsageCost({ costUsd: 0, costUnknown: true })).toBe('unknown');
    expect(formatUsageCost({ costUsd: 1.234, costUnknown: true })).toBe('$1.23 + unknown');
  });
});
