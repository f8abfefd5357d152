import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { checkSpendLimit, spendLimitsFromEnv, spendRepo } from './spend-limits.ts';

describe('spendLimitsFromEnv', () => {
  it('reads the server-wide daily and monthly limits', () => {
    expect(
      spendLimitsFromEnv({ DRYDOCK_SPEND_LIMIT_DAILY_USD: '7.50', DRYDOCK_SPEND_LIMIT_MONTHLY_USD: ' 100 ' }),
    ).toEqual([
      { scope: 'global', period: 'day', amountUsd: 7.5, source: 'env' },
      { scope: 'global', period: 'month', amountUsd: 100, source: 'env' },
    ]);
    expect(spendLimitsFromEnv({ DRYDOCK_SPEND_LIMIT_DAILY_USD: '' })).toEqual([]);
  });
  it.each(['0', '-1', 'ten', '$5', 'Infinity'])('refuses %s at start', (value) => {
    expect(() => spendLimitsFromEnv({ DRYDOCK_SPEND_LIMIT_MONTHLY_USD: value })).toThrow(
      /DRYDOCK_SPEND_LIMIT_MONTHLY_USD must be an amount in USD greater than 0/,
    );
  });
});

describe('checkSpendLimit', () => {
  it('keeps a good limit, trimmed', () => {
    expect(checkSpendLimit({ scope: ' repo:acme/app ', period: 'month', amountUsd: 3 })).toEqual({
      scope: 'repo:acme/app',
      period: 'month',
      amountUsd: 3,
    });
  });
  it.each([
    [{ scope: 'team:x', period: 'day', amountUsd: 1 }, 'scope'],
    [{ scope: 'global', period: 'week', amountUsd: 1 }, 'period'],
    [{ scope: 'global', period: 'day', amountUsd: 0 }, 'amountUsd'],
    [{ scope: 'global', period: 'day', amountUsd: Number.NaN }, 'amountUsd'],
  ])('refuses %o, naming %s', (input, field) => {
    let error: unknown;
    try {
      checkSpendLimit(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as BadInputError).details?.fields).toHaveProperty(field);
  });
});

it('charges a forge repository’s clone to owner/name, and a local repository to its path', () => {
  expect(spendRepo('/srv/drydock', '/srv/drydock/repos/Acme/App')).toBe('acme/app');
  expect(spendRepo('/srv/drydock/', '/srv/drydock/repos/acme/app')).toBe('acme/app');
  expect(spendRepo('/srv/drydock', '/home/me/app')).toBe('/home/me/app');
  expect(spendRepo('/srv/drydock', '/srv/drydock/repos/acme/app/sub')).toBe(
    '/srv/drydock/repos/acme/app/sub',
  );
});
