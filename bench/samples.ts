import type { EventData } from '../src/core/events.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Session } from '../src/core/session.ts';
import { newSessionRecord } from '../src/sessions/create-session.ts';

/** A session row for benchmarks that write to a store: no repository behind it, never run. */
export function sampleSession(id: string, task = 'a benchmark'): Session {
  const record = newSessionRecord(
    { clock: systemClock, ids: { next: () => id } },
    { task, repo: '/nonexistent/repo', ref: 'HEAD', baseCommit: null, model: 'script:bench' },
  );
  return { ...record, state: 'working' };
}

/** A typical event: a bash tool result with a few hundred characters of output. */
export function sampleEvent(step: number): EventData {
  return {
    type: 'tool.result',
    step,
    toolCallId: `call-${step}`,
    tool: 'bash',
    isError: false,
    summary: 'exit 0 in 412 ms',
    output: `> test\n> node --test\n\n${'✔ mean of several numbers (0.4ms)\n'.repeat(10)}`,
    durationMs: 412,
  };
}
