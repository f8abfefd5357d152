import { describe, expect, it } from 'vitest';
import { newSession } from '../store/store-contract.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import { bowOutReport, bullet, costLine, pullRequestDescription, type ReportInput } from './reports.ts';

describe('costLine (the PR description’s cost)', () => {
  it('shows the cached share and the reasoning', () => {
    expect(
      costLine({
        steps: 3,
        model: 'anthropic:claude-sonnet-4-5',
        usage: {
          inputTokens: 53_000,
          outputTokens: 1_000,
          costUsd: 0.03975,
          cacheReadTokens: 50_000,
          cacheWriteTokens: 1_000,
          reasoningTokens: 10,
        },
      }),
    ).toBe(
      '3 model calls, 53000 input (50000 read from cache, 1000 written to cache) and 1000 output (10 reasoning) tokens, $0.0398 (model anthropic:claude-sonnet-4-5).',
    );
  });

  it('says the cost is unknown rather than $0', () => {
    expect(
      costLine({
        steps: 1,
        model: 'openai-compatible:m',
        usage: { inputTokens: 10, outputTokens: 5, costUsd: 0, costUnknown: true },
      }),
    ).toBe('1 model call, 10 input and 5 output tokens, unknown (model openai-compatible:m).');
  });
});

describe('pullRequestDescription', () => {
  const check: CheckOutcome['check'] = {
    name: 'test',
    kind: 'test',
    command: 'npm test',
    source: 'package.json',
  };
  const outcome = (statuses: Record<string, 'passed' | 'failed'>): CheckOutcome => {
    const tests = Object.entries(statuses).map(([id, status]) => ({ id, status }));
    const failed = tests.filter((test) => test.status === 'failed').length;
    return {
      check,
      exitCode: failed > 0 ? 1 : 0,
      timedOut: false,
      durationMs: 10,
      outputTail: '',
      tests: {
        runner: 'vitest',
        tests,
        summary: { passed: tests.length - failed, failed, skipped: 0 },
        parsed: true,
      },
      diagnostics: null,
    };
  };
  const input = (overrides: Partial<ReportInput> = {}): ReportInput => ({
    session: newSession('s1', { task: 'mean() is wrong', steps: 1 }),
    summary: 'Fixed mean().',
    baseline: [outcome({ 'stats > mean': 'failed', 'stats > sum': 'passed' })],
    after: [outcome({ 'stats > mean': 'passed', 'stats > sum': 'passed' })],
    verdict: {
      passed: true,
      problems: [],
      warnings: [],
      detectionErrors: [],
      failToPass: [],
      passToPass: 1,
      feedback: '',
    },
    findings: [],
    responses: new Map(),
    openFindings: [],
    reviewSummary: null,
    ...overrides,
  });

  it('lists a failing test the change fixed even when the task did not require it, and says why FAIL_TO_PASS is empty', () => {
    const pr = pullRequestDescription(input());
    expect(pr).toContain('FAIL_TO_PASS (now passing): none required (the task names no test');
    expect(pr).toContain('Also passing now, after failing on the base commit: `stats > mean`.');
    expect(pr).toContain('PASS_TO_PASS (still passing): 1 test.');
    expect(pr).toContain('1 model call,');
    // Without per-test results on both commits, nothing could be counted, and it says so.
    const unread = pullRequestDescription(
      input({ baseline: [{ ...outcome({}), tests: null, exitCode: 1 }] }),
    );
    expect(unread).toContain(
      'FAIL_TO_PASS (now passing): none counted (per-test results were not read on both commits',
    );
    // A required test is not listed twice.
    const required = pullRequestDescription(
      input({ verdict: { ...input().verdict!, failToPass: ['stats > mean'] } }),
    );
    expect(required).toContain('FAIL_TO_PASS (now passing): `stats > mean`.');
    expect(required).not.toContain('Also passing now');
  });

  it("keeps a finding's answer nested under it when their texts span lines", () => {
    const finding = {
      id: 'R1-1',
      round: 1,
      file: 'src/stats.js',
      line: 3,
      severity: 'major' as const,
      explanation: 'Divides by the wrong length.\nIt also ignores empty lists.',
    };
    const pr = pullRequestDescription(
      input({
        reviewSummary: 'Mostly fine:\n- one thing',
        findings: [finding],
        responses: new Map([
          [
            'R1-1',
            { id: 'R1-1', decision: 'fixed' as const, reason: 'Now divides by n.\nAnd returns 0 for [].' },
          ],
        ]),
      }),
    );
    expect(pr).toContain(
      'Reviewer: Mostly fine:\n- one thing\n\n- [R1-1] major src/stats.js:3: Divides by the wrong length.\n  It also ignores empty lists.\n  - fixed: Now divides by n.\n    And returns 0 for [].',
    );
  });
});

describe('bowOutReport', () => {
  it('points at the timeline in words for both the web UI and the CLI', () => {
    const report = bowOutReport({
      session: newSession('s2'),
      summary: '',
      baseline: [],
      after: [],
      verdict: null,
      findings: [],
      responses: new Map(),
      openFindings: [],
      reviewSummary: null,
      reason: 'the tests would not pass',
    });
    expect(report).toContain(
      "Every step the agent took is in session `s2`'s timeline: its page in the web UI",
    );
  });
});

describe('bullet', () => {
  it('indents the lines after the first to the item, at any depth', () => {
    expect(bullet('a\nb')).toBe('- a\n  b');
    expect(bullet('a\n\nb', 1)).toBe('  - a\n\n    b');
  });
});
