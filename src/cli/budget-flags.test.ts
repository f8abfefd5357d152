import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET } from '../core/session.ts';
import { budgetFromFlags } from './budget-flags.ts';

describe('budgetFromFlags', () => {
  it('keeps the defaults without flags and applies each flag', () => {
    expect(budgetFromFlags({}, DEFAULT_BUDGET)).toEqual(DEFAULT_BUDGET);
    expect(
      budgetFromFlags(
        {
          maxSteps: '5',
          maxMinutes: '1.5',
          maxTokens: '1000',
          maxCost: '0.5',
          maxFriendConsults: '2',
          maxFriendCost: '0.25',
        },
        DEFAULT_BUDGET,
      ),
    ).toEqual({
      ...DEFAULT_BUDGET,
      maxSteps: 5,
      maxWallTimeMs: 90_000,
      maxTokens: 1000,
      maxCostUsd: 0.5,
      maxFriendConsults: 2,
      maxFriendCostUsd: 0.25,
    });
  });

  it.each([
    [{ maxSteps: '0' }, '--max-steps must be a positive whole number'],
    [{ maxSteps: '2.5' }, '--max-steps'],
    [{ maxMinutes: 'soon' }, '--max-minutes must be a positive number; got "soon"'],
    [{ maxCost: '-1' }, '--max-cost'],
    [{ maxTokens: '' }, '--max-tokens'],
    [{ maxFriendConsults: '1.5' }, '--max-friend-consults must be a positive whole number'],
    [{ maxFriendCost: '0' }, '--max-friend-cost'],
  ])('rejects %o', (flags, message) => {
    expect(() => budgetFromFlags(flags, DEFAULT_BUDGET)).toThrow(message);
  });
});
