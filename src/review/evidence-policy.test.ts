import { describe, expect, it } from 'vitest';
import { applyEvidencePolicy, judgeCheck, judgeProofRun } from './evidence-policy.ts';

describe('the evidence policy', () => {
  it.each([
    ['critical', 'shown', { kind: 'keep', severity: 'critical', verified: true }],
    ['major', 'shown', { kind: 'keep', severity: 'major', verified: true }],
    [
      'critical',
      'unsupported',
      { kind: 'keep', severity: 'major', verified: false, downgradedFrom: 'critical' },
    ],
    ['major', 'unsupported', { kind: 'keep', severity: 'minor', verified: false, downgradedFrom: 'major' }],
    ['critical', 'refuted', { kind: 'drop', reason: "the reviewer's own reproduction passed" }],
    ['major', 'refuted', { kind: 'drop', reason: "the reviewer's own reproduction passed" }],
    ['minor', null, { kind: 'keep', severity: 'minor', verified: false }],
    ['nit', 'refuted', { kind: 'keep', severity: 'nit', verified: false }],
  ] as const)('%s with a proof that came out %s', (severity, outcome, expected) => {
    expect(applyEvidencePolicy(severity, outcome)).toEqual(expected);
  });

  it.each([
    [{ exitCode: 1, timedOut: false, output: 'AssertionError' }, 'shown'],
    [{ exitCode: 1, timedOut: false, output: 'AssertionError', expectOutput: 'Assertion' }, 'shown'],
    [{ exitCode: 1, timedOut: false, output: 'SyntaxError', expectOutput: 'Assertion' }, 'unsupported'],
    [{ exitCode: 0, timedOut: false, output: 'ok' }, 'refuted'],
    [{ exitCode: 127, timedOut: false, output: 'not found' }, 'unsupported'],
    [{ exitCode: 126, timedOut: false, output: 'denied' }, 'unsupported'],
    [{ exitCode: null, timedOut: true, output: '' }, 'unsupported'],
  ] as const)('a proof run %o is %s', (run, outcome) => {
    expect(judgeProofRun(run)).toBe(outcome);
  });

  it('counts a check only when the change broke it', () => {
    expect(judgeCheck({ failedAfter: true, failedBefore: false })).toBe('shown');
    expect(judgeCheck({ failedAfter: true, failedBefore: true })).toBe('unsupported');
    expect(judgeCheck({ failedAfter: false, failedBefore: false })).toBe('unsupported');
  });
});
