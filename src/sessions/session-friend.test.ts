import { describe, expect, it } from 'vitest';
import { DEFAULT_BUDGET } from '../core/session.ts';
import { countConsult, diffStat, friendRefusal } from './session-friend.ts';

const usage = (costUsd: number) => ({ inputTokens: 100, outputTokens: 10, costUsd });

describe('friendRefusal', () => {
  const budget = { ...DEFAULT_BUDGET, maxFriendConsults: 2, maxCostUsd: 4 };
  it.each([
    ['no consult yet', undefined, null],
    ['one of two consults', countConsult(undefined, usage(0.1)), null],
    [
      'both consults used',
      countConsult(countConsult(undefined, usage(0.1)), usage(0.1)),
      'all 2 consults are used',
    ],
    // The default cap is a quarter of the session's $4.
    ['the cost cap reached', countConsult(undefined, usage(1)), 'cost $1.0000 of the $1.00 they may'],
    ['just under the cost cap', countConsult(undefined, usage(0.99)), null],
  ])('%s', (_name, tally, expected) => {
    const refusal = friendRefusal(budget, tally);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toContain(expected);
  });

  it('takes an explicit friend cost cap over the share of the session budget', () => {
    const tally = countConsult(undefined, usage(0.3));
    expect(friendRefusal({ ...budget, maxFriendCostUsd: 0.25 }, tally)).toContain('$0.25');
    expect(friendRefusal({ ...budget, maxFriendCostUsd: 0.5 }, tally)).toBeNull();
  });
});

describe('countConsult', () => {
  it('adds one consult and its tokens and cost', () => {
    expect(countConsult(countConsult(undefined, usage(0.5)), usage(0.25))).toEqual({
      consults: 2,
      costUsd: 0.75,
      inputTokens: 200,
      outputTokens: 20,
    });
  });
});

describe('diffStat', () => {
  it('names each file with its added and removed lines', () => {
    const diff = [
      'diff --git a/src/a.js b/src/a.js',
      '--- a/src/a.js',
      '+++ b/src/a.js',
      '@@ -1,2 +1,2 @@',
      '-old',
      '+new',
      ' same',
      'diff --git a/test/a.test.js b/test/a.test.js',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/test/a.test.js',
      '@@ -0,0 +1,2 @@',
      '+one',
      '+two',
      '',
    ].join('\n');
    expect(diffStat(diff)).toBe('2 files: src/a.js +1 -1, test/a.test.js (added) +2 -0.');
    expect(diffStat('')).toBe('no change.');
  });
});
