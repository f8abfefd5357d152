import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET, ZERO_USAGE } from '../../core/session.ts';
import type { ManagedChild } from '../session-checkpoint.ts';
import { childCostShare, managerBudget, reservedUsd, usageSince } from './child-budget.ts';

const child = (budgetUsd: number, spentUsd: number, ended = false): ManagedChild => ({
  budgetUsd,
  counted: { ...ZERO_USAGE, costUsd: spentUsd },
  ended,
});

describe('a manager’s money', () => {
  it('reserves what live children may still spend, nothing for ended ones or past their budget', () => {
    expect(reservedUsd({ a: child(2, 0.5), b: child(1, 1.2), c: child(3, 1, true) })).toBe(1.5);
  });

  it.each([
    // left = 10 - 0 - 0, shared among the manager and the 5 children it may spawn
    [{ maxCostUsd: 10, spentUsd: 0, reservedUsd: 0, spawned: 0, maxChildren: 5 }, { shareUsd: 10 / 6 }],
    [{ maxCostUsd: 10, spentUsd: 2, reservedUsd: 3, spawned: 3, maxChildren: 5 }, { shareUsd: 5 / 3 }],
  ])('shares what is left: %o', (input, expected) => {
    expect(childCostShare(input)).toEqual(expected);
  });

  it('refuses a child past the fan-out, or when the cost is spent or promised', () => {
    const fanOut = childCostShare({
      maxCostUsd: 10,
      spentUsd: 0,
      reservedUsd: 0,
      spawned: 2,
      maxChildren: 2,
    });
    expect(fanOut).toEqual({ refusal: expect.stringMatching(/spawned 2 of the 2 it may/) });
    const spent = childCostShare({
      maxCostUsd: 1,
      spentUsd: 0.6,
      reservedUsd: 0.4,
      spawned: 1,
      maxChildren: 5,
    });
    expect(spent).toEqual({ refusal: expect.stringMatching(/cost budget \(\$1\.00\) is spent or promised/) });
  });

  it("keeps the manager's own loop under the run's cost less what live children may still spend, as it changes", () => {
    let children: Record<string, ManagedChild> = { a: child(3, 1) };
    const budget = managerBudget({ ...DEFAULT_BUDGET, maxCostUsd: 10 }, () => children);
    expect(budget.maxCostUsd).toBe(8);
    children = { a: child(3, 2.5, true) };
    expect(budget.maxCostUsd).toBe(10);
    expect(budget.maxSteps).toBe(DEFAULT_BUDGET.maxSteps);
  });

  it('counts what a child spent since the last roll-up, never less than nothing', () => {
    const now = { inputTokens: 30, outputTokens: 8, costUsd: 0.5, cacheReadTokens: 10 };
    expect(usageSince(now, { inputTokens: 10, outputTokens: 8, costUsd: 0.2 })).toEqual({
      inputTokens: 20,
      outputTokens: 0,
      costUsd: 0.3,
      cacheReadTokens: 10,
    });
    expect(usageSince(ZERO_USAGE, now)).toEqual(ZERO_USAGE);
  });
});
