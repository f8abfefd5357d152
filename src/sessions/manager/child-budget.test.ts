import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET, ZERO_USAGE } from '../../core/session.ts';
import type { ManagedChild } from '../session-checkpoint.ts';
import { childShare, managerBudget, reserved, usageSince } from './child-budget.ts';

const child = (budgetUsd: number, spentUsd: number, ended = false, tokens = [1000, 0]): ManagedChild => ({
  budgetUsd,
  budgetTokens: tokens[0] ?? 0,
  counted: { ...ZERO_USAGE, costUsd: spentUsd, inputTokens: tokens[1] ?? 0 },
  ended,
});
const spent = (costUsd: number, inputTokens = 0) => ({ ...ZERO_USAGE, costUsd, inputTokens });
const budget = { maxCostUsd: 10, maxTokens: 6000 };

describe('a manager’s money', () => {
  it('reserves what live children may still spend, nothing for ended ones or past their budget', () => {
    expect(
      reserved({
        a: child(2, 0.5, false, [1000, 400]),
        b: child(1, 1.2, false, [100, 300]),
        c: child(3, 1, true),
      }),
    ).toEqual({ usd: 1.5, tokens: 600 });
  });

  it.each([
    // what is left, shared among the manager and each child it may still spawn
    [
      { budget, spent: spent(0), reserved: { usd: 0, tokens: 0 }, spawned: 0, maxChildren: 5 },
      { usd: 10 / 6, tokens: 1000 },
    ],
    [
      { budget, spent: spent(2, 1000), reserved: { usd: 3, tokens: 2000 }, spawned: 3, maxChildren: 5 },
      { usd: 5 / 3, tokens: 1000 },
    ],
  ])('shares what is left: %o', (input, share) => {
    expect(childShare(input)).toEqual({ share });
  });

  it('refuses a child past the fan-out, or when the cost or the tokens are spent or promised', () => {
    const none = { usd: 0, tokens: 0 };
    expect(childShare({ budget, spent: spent(0), reserved: none, spawned: 2, maxChildren: 2 })).toEqual({
      refusal: expect.stringMatching(/spawned 2 of the 2 it may/),
    });
    expect(
      childShare({
        budget: { ...budget, maxCostUsd: 1 },
        spent: spent(0.6),
        reserved: { usd: 0.4, tokens: 0 },
        spawned: 1,
        maxChildren: 5,
      }),
    ).toEqual({ refusal: expect.stringMatching(/cost budget \(\$1\.00\) is spent or promised/) });
    expect(
      childShare({
        budget,
        spent: spent(0, 5000),
        reserved: { usd: 0, tokens: 1000 },
        spawned: 1,
        maxChildren: 5,
      }),
    ).toEqual({ refusal: expect.stringMatching(/token budget \(6000\) is spent or promised/) });
  });

  it("keeps the manager's own loop under the run's limits less what live children may still spend, as it changes", () => {
    let children: Record<string, ManagedChild> = { a: child(3, 1, false, [1000, 400]) };
    const limits = managerBudget({ ...DEFAULT_BUDGET, maxCostUsd: 10, maxTokens: 6000 }, () => children);
    expect([limits.maxCostUsd, limits.maxTokens]).toEqual([8, 5400]);
    children = { a: child(3, 2.5, true) };
    expect([limits.maxCostUsd, limits.maxTokens]).toEqual([10, 6000]);
    expect(limits.maxSteps).toBe(DEFAULT_BUDGET.maxSteps);
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
