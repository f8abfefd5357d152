import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../../test/fakes/memory-sandbox.ts';
import type { CheckReport, ChecksReport } from '../../core/checks-report.ts';
import { runTool } from '../run-tool.ts';
import { createCodingTools } from './index.ts';

const tools = createCodingTools();

function check(overrides: Partial<CheckReport>): CheckReport {
  return {
    name: 'test',
    label: 'vitest run',
    passed: true,
    exitCode: 0,
    timedOut: false,
    durationMs: 2_500,
    tests: { passed: 10, failed: 0, skipped: 1 },
    newlyFailing: [],
    stillFailing: [],
    fixed: [],
    diagnostics: null,
    ...overrides,
  };
}

async function call(report: ChecksReport | undefined) {
  const signals: AbortSignal[] = [];
  const signal = new AbortController().signal;
  const result = await runTool(
    tools,
    'run_checks',
    {},
    {
      sandbox: createMemorySandbox(),
      signal,
      ...(report
        ? {
            runChecks: async (given: AbortSignal) => {
              signals.push(given);
              return report;
            },
          }
        : {}),
    },
  );
  return { result, ranWith: signals, signal };
}

describe('run_checks', () => {
  it('shows counts per check, then the failing tests by what the gate makes of them, and the gate’s problems', async () => {
    const many = Array.from({ length: 11 }, (_, index) => ({ id: `t${index}` }));
    const report: ChecksReport = {
      checks: [
        check({
          passed: false,
          exitCode: 1,
          tests: { passed: 7, failed: 13, skipped: 0 },
          newlyFailing: [{ id: 'math > adds', message: 'expected 3\nreceived 4' }, ...many],
          stillFailing: [{ id: 'net > fetches' }],
          fixed: ['parse > dates'],
        }),
        check({
          name: 'lint',
          label: 'eslint .',
          passed: false,
          exitCode: 1,
          tests: null,
          diagnostics: { now: 2, before: 0 },
          outputTail: 'a.ts:1 bad\nexit 1',
        }),
        check({ name: 'typecheck', label: 'tsc', tests: null, durationMs: 900 }),
      ],
      problems: [
        'test (vitest run): tests fail that did not fail on the base commit: math > adds',
        'test deleted in a.test.ts: gone',
      ],
      warnings: ['debug output in src/a.ts:3: console output'],
    };
    const { result, ranWith, signal } = await call(report);
    expect(ranWith).toEqual([signal]);
    expect(result.isError).toBe(false);
    expect(result.output).toBe(
      [
        '✗ test (vitest run): exit 1 in 2.5 s; 7 passed, 13 failed, 0 skipped',
        '  newly failing (blamed on the change): 12',
        '  - math > adds',
        '      expected 3',
        '      received 4',
        ...Array.from({ length: 7 }, (_, index) => `  - t${index}`),
        '  … and 4 more',
        '  still failing (failed on the base commit too): 1',
        '  - net > fetches',
        '  fixed: parse > dates',
        '✗ lint (eslint .): exit 1 in 2.5 s; 2 diagnostics (0 on the base commit)',
        '  per-test results unknown: judged by its exit code',
        '  last lines of its output:',
        '    a.ts:1 bad',
        '    exit 1',
        '✓ typecheck (tsc): exit 0 in 900 ms',
        '',
        'The gate would not deliver this change yet:',
        '- test (vitest run): tests fail that did not fail on the base commit: math > adds',
        '- test deleted in a.test.ts: gone',
        '(A deleted or skipped test is accepted only when your finish summary names its file and says why.)',
        'Warnings:',
        '- debug output in src/a.ts:3: console output',
      ].join('\n'),
    );
    expect(result.summary).toBe('3 checks, 2 failing, 12 newly failing tests; 2 gate problems');
  });

  it('says the gate would pass, and what to do where there are no checks', async () => {
    const passing = await call({ checks: [check({})], problems: [], warnings: [] });
    expect(passing.result.output).toContain('The gate would pass this change as it is now.');
    const none = await call({ checks: [], problems: [], warnings: [] });
    expect(none.result.output).toContain('drydock found no checks in this repository');
  });

  it('is an error the model can read where the run has no gate', async () => {
    const { result } = await call(undefined);
    expect(result).toMatchObject({ isError: true });
    expect(result.output).toContain('run_checks is not available in this run');
  });
});
