import type { SessionEvent } from '../events.ts';

export type EventListener = (event: SessionEvent) => void;

/**
 * Live session events, for followers that already replayed the durable log from the store. A hint,
 * not a record: the store stays the source of truth, so a follower that sees a gap in `seq` reads the
 * missing events from the store. In one process the bus is a map of listeners (the runner publishes
 * what it recorded); across processes it is fed from Postgres LISTEN/NOTIFY
 * (src/server/postgres-event-bus.ts), or on SQLite from polling the store.
 */
export interface EventBus {
  /** Hands the event to the session's listeners, synchronously. Never throws (a failing listener is skipped). */
  publish(event: SessionEvent): void;
  /** Listens to one session's events; returns the function that stops listening (idempotent). */
  subscribe(sessionId: string, listener: EventListener): () => void;
  /** Listeners of one session, or of every session: for tests that check nothing leaks, and for metrics. */
  listenerCount(sessionId?: string): number;
}
