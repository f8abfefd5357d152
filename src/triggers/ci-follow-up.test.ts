import { describe, expect, it } from 'vitest';
import { githubExample } from '../../test/support/github-examples.ts';
import type { CheckRun } from '../core/ports/forge.ts';
import { ciComment, ciFollowUpMessage, decideCi, logTail, parseCheckEvent } from './ci-follow-up.ts';

let ids = 1;
const run = (name: string, status: CheckRun['status'], conclusion: string | null = null): CheckRun => ({
  id: ids++,
  name,
  status,
  conclusion,
});

describe('decideCi', () => {
  const cases: Array<[string, CheckRun[], number, Record<string, unknown>]> = [
    ['no checks reported yet: wait', [], 0, { action: 'wait' }],
    [
      'a check still running: wait',
      [run('test', 'in_progress'), run('lint', 'completed', 'failure')],
      0,
      { action: 'wait' },
    ],
    ['a queued check: wait', [run('test', 'queued')], 1, { action: 'wait' }],
    [
      'all passed: green',
      [run('test', 'completed', 'success'), run('lint', 'completed', 'success')],
      0,
      { action: 'green' },
    ],
    [
      'skipped, neutral and cancelled are not failures',
      [
        run('a', 'completed', 'skipped'),
        run('b', 'completed', 'neutral'),
        run('c', 'completed', 'cancelled'),
      ],
      0,
      { action: 'green' },
    ],
    [
      'a failure, first time: fix, attempt 1',
      [run('test', 'completed', 'failure'), run('lint', 'completed', 'success')],
      0,
      { action: 'fix', attempt: 1 },
    ],
    ['a timeout counts as failing', [run('e2e', 'completed', 'timed_out')], 1, { action: 'fix', attempt: 2 }],
    [
      'a failure after the cap: cap reached',
      [run('test', 'completed', 'failure')],
      2,
      { action: 'cap_reached' },
    ],
    ['green after the cap is still green', [run('test', 'completed', 'success')], 2, { action: 'green' }],
  ];
  it.each(cases)('%s', (_, runs, followUps, expected) => {
    expect(decideCi(runs, followUps, 2)).toMatchObject(expected);
  });

  it('names only the failing checks', () => {
    const decision = decideCi(
      [run('test', 'completed', 'failure'), run('lint', 'completed', 'success')],
      0,
      2,
    );
    expect(decision.action === 'fix' && decision.failing.map((each) => each.name)).toEqual(['test']);
  });
});

describe('CI texts', () => {
  it('keeps the last lines of a log, within a character budget', () => {
    const log = Array.from({ length: 200 }, (_, i) => `line ${i}`).join('\r\n');
    expect(logTail(log, 3)).toBe('line 197\nline 198\nline 199');
    expect(logTail('x'.repeat(50), 80, 40)).toBe(`[… 40 characters truncated …] ${'x'.repeat(10)}`);
  });

  it('the follow-up names the commit, the attempt, each failing check and its log tail', () => {
    const text = ciFollowUpMessage(
      '0123456789abcdef',
      [{ name: 'test', conclusion: 'failure', log: 'expected 2' }],
      1,
      2,
    );
    expect(text).toContain('0123456789ab');
    expect(text).toContain('CI fix 1 of 2');
    expect(text).toContain('### test (failure)');
    expect(text).toContain('expected 2');
  });

  it('says on the pull request that it fixes CI, or that it reached the cap', () => {
    const failing = [run('test', 'completed', 'failure')];
    expect(ciComment({ action: 'fix', failing, attempt: 1 }, 'abcdef0123456789', 2)).toBe(
      'drydock is fixing CI: `test` failed on abcdef012345 (attempt 1 of 2).',
    );
    expect(ciComment({ action: 'cap_reached', failing }, 'abcdef0123456789', 2)).toContain(
      'reached its limit of 2 CI fixes',
    );
  });
});

describe('parseCheckEvent', () => {
  it('reads real completed check_suite and check_run payloads', () => {
    expect(parseCheckEvent('check_suite', githubExample('check_suite', 'completed'))).toEqual({
      repo: 'Codertocat/Hello-World',
      sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      pulls: [2],
    });
    expect(parseCheckEvent('check_run', githubExample('check_run', 'completed'))).toMatchObject({
      sha: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
      pulls: [2],
    });
  });

  it('ignores checks that did not finish and other events', () => {
    expect(parseCheckEvent('check_run', githubExample('check_run', 'created'))).toBeNull();
    expect(parseCheckEvent('check_suite', githubExample('check_suite', 'requested'))).toBeNull();
    expect(parseCheckEvent('issue_comment', githubExample('issue_comment', 'created'))).toBeNull();
  });
});
