import type { EventBus } from '../core/ports/event-bus.ts';
import type { Store } from '../core/ports/store.ts';

export interface StorePoller {
  /**
   * Polls one session's log while at least one caller watches it, publishing events the bus has
   * not carried (written by another process) to the bus. Returns the release function (idempotent).
   */
  watch(sessionId: string, fromSeq: number): () => void;
  /** Sessions being polled now. */
  watchedCount(): number;
}

/**
 * The fallback that makes events written by another process (a `drydock run` next to the server, a
 * second worker) reach this server's followers. One timer per watched session, and only while it is
 * watched; each tick is one indexed read of the events after the highest seq seen. On Postgres
 * the LISTEN/NOTIFY bus (postgres-event-bus.ts) replaces it.
 */
export function createStorePoller(store: Store, bus: EventBus, intervalMs = 1000): StorePoller {
  const watched = new Map<
    string,
    { count: number; lastSeq: number; timer: NodeJS.Timeout; unsubscribe: () => void; busy: boolean }
  >();

  async function tick(sessionId: string): Promise<void> {
    const entry = watched.get(sessionId);
    if (!entry || entry.busy) return;
    entry.busy = true;
    try {
      const events = await store.listEvents(sessionId, entry.lastSeq, 500);
      for (const event of events) {
        // Publishing advances lastSeq through the subscription below.
        if (event.seq > entry.lastSeq) bus.publish(event);
      }
    } catch {
      // A failed poll is retried at the next tick.
    } finally {
      entry.busy = false;
    }
  }

  return {
    watch(sessionId, fromSeq) {
      const entry = watched.get(sessionId);
      if (entry) {
        entry.count += 1;
        entry.lastSeq = Math.max(entry.lastSeq, fromSeq);
      } else {
        const created = {
          count: 1,
          // Followers replay history from the store themselves: poll only for what comes after.
          lastSeq: fromSeq,
          busy: false,
          timer: setInterval(() => void tick(sessionId), intervalMs),
          unsubscribe: () => {},
        };
        created.timer.unref();
        created.unsubscribe = bus.subscribe(sessionId, (event) => {
          created.lastSeq = Math.max(created.lastSeq, event.seq);
        });
        watched.set(sessionId, created);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const current = watched.get(sessionId);
        if (!current) return;
        current.count -= 1;
        if (current.count > 0) return;
        clearInterval(current.timer);
        current.unsubscribe();
        watched.delete(sessionId);
      };
    },
    watchedCount: () => watched.size,
  };
}
