import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET } from '../core/session.ts';
import { budgetExceeded } from './budget.ts';
import { callKey, nextFailureStreak } from './loop-detection.ts';

const fresh = { steps: 0, elapsedMs: 0, usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 } };

describe('budgetExceeded', () => {
  it.each([
    ['nothing spent', fresh, null],
    ['steps', { ...fresh, steps: DEFAULT_BUDGET.maxSteps }, 'step budget'],
    ['time', { ...fresh, elapsedMs: DEFAULT_BUDGET.maxWallTimeMs }, 'time budget'],
    [
      'tokens',
      { ...fresh, usage: { inputTokens: DEFAULT_BUDGET.maxTokens, outputTokens: 1, costUsd: 0 } },
      'token budget',
    ],
    [
      'cost',
      { ...fresh, usage: { inputTokens: 0, outputTokens: 0, costUsd: DEFAULT_BUDGET.maxCostUsd } },
      'cost budget',
    ],
  ])('%s', (_name, spent, expected) => {
    const reason = budgetExceeded(DEFAULT_BUDGET, spent);
    if (expected === null) expect(reason).toBeNull();
    else expect(reason).toContain(expected);
  });
});

describe('failure streaks', () => {
  it('counts the same failing call and resets on success or a different call', () => {
    const a = callKey('bash', { command: 'x', timeoutMs: 1 });
    expect(callKey('bash', { timeoutMs: 1, command: 'x' })).toBe(a);
    let streak = nextFailureStreak(null, a, true);
    streak = nextFailureStreak(streak, a, true);
    expect(streak).toEqual({ key: a, count: 2 });
    expect(nextFailureStreak(streak, callKey('bash', { command: 'y' }), true)?.count).toBe(1);
    expect(nextFailureStreak(streak, a, false)).toBeNull();
  });
});
