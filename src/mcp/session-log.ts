import type { SessionEvent } from '../core/events.ts';
import type { Store } from '../core/ports/store.ts';
import { isStreamingEvent } from './session-views.ts';

const PAGE = 500;

/**
 * A session's last `count` events that are not streaming output, and the seq of its last event of
 * any kind (0 for an empty log): the log read from the start a page at a time, since the store lists
 * events only forwards.
 */
export async function readLatestEvents(
  store: Store,
  sessionId: string,
  count: number,
): Promise<{ events: SessionEvent[]; lastSeq: number }> {
  const latest: SessionEvent[] = [];
  let lastSeq = 0;
  for (;;) {
    const page = await store.listEvents(sessionId, lastSeq, PAGE);
    for (const event of page) {
      lastSeq = event.seq;
      if (isStreamingEvent(event)) continue;
      latest.push(event);
      if (latest.length > count) latest.shift();
    }
    if (page.length < PAGE) return { events: latest, lastSeq };
  }
}
