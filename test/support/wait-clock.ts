import type { WaitClock } from '../../src/triggers/ci-watch.ts';

/** A clock whose sleeps end only when the test moves time on (the CI watcher's polls). */
export function fakeWaitClock(): WaitClock & { advance(ms: number): void } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  let sleepers: Array<{ at: number; resolve: () => void }> = [];
  return {
    now: () => new Date(now),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        sleepers.push({ at: now + ms, resolve });
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    advance(ms) {
      now += ms;
      const due = sleepers.filter((each) => each.at <= now);
      sleepers = sleepers.filter((each) => each.at > now);
      for (const each of due) each.resolve();
    },
  };
}
