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
