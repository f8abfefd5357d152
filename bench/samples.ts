import type { EventData } from '../src/core/events.ts';
import { type Session, ZERO_USAGE } from '../src/core/session.ts';

/** A session row for benchmarks that write to a store: no repository behind it, never run. */
export function sampleSession(id: string, task = 'a benchmark'): Session {
  const now = new Date().toISOString();
  return {
    id,
    state: 'working',
    task,
    repo: '/nonexistent/repo',
    ref: 'HEAD',
    baseCommit: null,
    headCommit: null,
    branch: null,
    model: 'script:bench',
    steps: 0,
    usage: ZERO_USAGE,
    summary: null,
    reason: null,
    createdAt: now,
    updatedAt: now,
  };
}

export /** A typical event: a bash tool result with a few hundred characters of output. */
function sampleEvent(step: number): EventData {
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
