import { describe, expect, it } from 'vitest';
import {
  atLeast,
  type ChangeReview,
  describeCounts,
  parseChangeReview,
  sortFindings,
} from './change-review.ts';

const finding = (severity: 'critical' | 'major' | 'minor' | 'nit', file = 'a.ts', line?: number) => ({
  id: `R1-${file}-${line ?? 0}`,
  round: 1,
  file,
  ...(line === undefined ? {} : { line }),
  severity,
  explanation: 'x',
});

describe('a review of a change', () => {
  it.each([
    ['critical', 'major', true],
    ['major', 'major', true],
    ['minor', 'major', false],
    ['nit', 'minor', false],
    ['minor', 'minor', true],
    ['major', 'critical', false],
  ] as const)('%s is at least %s: %s', (severity, threshold, expected) => {
    expect(atLeast(severity, threshold)).toBe(expected);
  });

  it('sorts findings most severe first, then by file and line', () => {
    const sorted = sortFindings([
      finding('minor', 'b.ts'),
      finding('major', 'b.ts', 9),
      finding('major', 'b.ts', 2),
      finding('critical', 'z.ts'),
    ]);
    expect(sorted.map((f) => `${f.severity} ${f.file}:${f.line ?? ''}`)).toEqual([
      'critical z.ts:',
      'major b.ts:2',
      'major b.ts:9',
      'minor b.ts:',
    ]);
  });

  it('counts findings by severity, verified, downgraded and dropped', () => {
    const review = {
      findings: [finding('major'), { ...finding('minor'), downgradedFrom: 'major' as const }],
      dropped: [{ ...finding('critical'), reason: 'r' }],
      verified: 1,
    };
    expect(describeCounts(review)).toBe(
      '2 findings (1 major, 1 minor), 1 verified, 1 downgraded for want of evidence, 1 dropped',
    );
    expect(describeCounts({ findings: [], dropped: [], verified: 0 })).toBe('0 findings, 0 verified');
  });

  it('reads a stored review through its schema, and refuses anything else', () => {
    const review: ChangeReview = {
      version: 1,
      base: 'main',
      head: 'feature',
      baseCommit: 'a'.repeat(40),
      headCommit: 'b'.repeat(40),
      summary: 's',
      findings: [
        { ...finding('major'), evidence: { command: 'npm test', output: 'o', verified: true, exitCode: 1 } },
      ],
      dropped: [],
      verified: 1,
      parts: 1,
    };
    expect(parseChangeReview(JSON.stringify(review))).toEqual(review);
    expect(() => parseChangeReview('{')).toThrow(/not JSON/);
    expect(() => parseChangeReview(JSON.stringify({ ...review, version: 2 }))).toThrow(/not a review/);
    expect(() => parseChangeReview(JSON.stringify({ ...review, findings: [{ file: 'a' }] }))).toThrow(
      /not a review/,
    );
  });
});
