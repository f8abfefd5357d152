import { describe, expect, it } from 'vitest';
import { attemptsOf } from './outcome.ts';
import type { StreamEvent } from './types.ts';

const stream = (...data: StreamEvent['data'][]): StreamEvent[] =>
  data.map((each, i) => ({ sessionId: 's', seq: i + 1, at: '2026-01-01T00:00:00.000Z', data: each }));

const check = (name: string, exitCode: number) => ({
  name,
  command: `npm run ${name}`,
  exitCode,
  timedOut: false,
  tests: null,
  diagnostics: null,
  durationMs: 10,
  outputTail: '',
});

describe('attemptsOf', () => {
  it("gathers the coder's stops, the last checks after the change, verdicts, open findings and blocked hosts", () => {
    const finding = {
      id: 'f1',
      round: 2,
      file: 'src/a.ts',
      severity: 'major' as const,
      explanation: 'off by one',
    };
    const attempts = attemptsOf(
      stream(
        { type: 'checks.completed', phase: 'baseline', round: 0, checks: [check('test', 1)] },
        { type: 'agent.stopped', step: 3, outcome: 'finished', detail: 'fixed it' },
        { type: 'checks.completed', phase: 'after', round: 1, checks: [check('test', 1)] },
        {
          type: 'gate.verdict',
          round: 1,
          passed: false,
          problems: ['test fails'],
          warnings: [],
          failToPass: [],
          passToPass: 0,
        },
        { type: 'network.blocked', host: 'registry.example.org', port: 443 },
        { type: 'network.blocked', host: 'registry.example.org', port: 443 },
        { type: 'checks.completed', phase: 'after', round: 2, checks: [check('test', 0)] },
        { type: 'review.completed', round: 1, approved: false, summary: 'no', findings: [finding] },
        { type: 'agent.stopped', step: 1, outcome: 'finished', detail: 'reviewed', role: 'reviewer' },
        { type: 'agent.stopped', step: 9, outcome: 'gave_up', detail: 'cannot reach the registry' },
        { type: 'some.future.event', anything: true },
      ),
    );
    expect(attempts.stops).toEqual([
      { outcome: 'finished', detail: 'fixed it' },
      { outcome: 'gave_up', detail: 'cannot reach the registry' },
    ]);
    expect(attempts.checks?.map((c) => c.exitCode)).toEqual([0]);
    expect(attempts.verdicts).toEqual([{ round: 1, passed: false, problems: ['test fails'] }]);
    expect(attempts.findings).toEqual([finding]);
    expect(attempts.blockedHosts).toEqual(['registry.example.org:443']);
  });

  it('has nothing to show for a session that never got to work', () => {
    expect(attemptsOf(stream({ type: 'state.changed', from: 'queued', to: 'failed' }))).toEqual({
      stops: [],
      checks: null,
      verdicts: [],
      findings: [],
      blockedHosts: [],
    });
  });
});
