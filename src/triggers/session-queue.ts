import type { EventBus, EventListener } from '../core/ports/event-bus.ts';

/**
 * Work for sessions, one piece at a time per key (a session id, or one key for all), in the order it was
 * queued: what the publishers and notifiers run off the event bus. A failure goes to `onError` and never
 * stops the work queued after it.
 */
export interface SessionQueue {
  /** Runs `work` once everything queued under `key` before it is done; resolves when it is (never rejects). */
  enqueue(key: string, work: () => Promise<void>): Promise<void>;
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
}

export function createSessionQueue(onError?: (error: unknown, key: string) => void): SessionQueue {
  const chains = new Map<string, Promise<void>>();
  const inFlight = new Set<Promise<void>>();
  return {
    enqueue(key, work) {
      const next = (chains.get(key) ?? Promise.resolve())
        .then(work)
        .catch((error: unknown) => onError?.(error, key));
      chains.set(key, next);
      inFlight.add(next);
      void next.finally(() => {
        inFlight.delete(next);
        if (chains.get(key) === next) chains.delete(key);
      });
      return next;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

/** Subscriptions to sessions' events on the bus, at most one per session, all ended by `stop`. */
export interface SessionSubscriptions {
  /** Subscribes `listener` to the session's events, unless this session is subscribed already. */
  watch(sessionId: string, listener: EventListener): void;
  stop(): void;
}

export function createSessionSubscriptions(bus: EventBus): SessionSubscriptions {
  const watching = new Map<string, () => void>();
  return {
    watch(sessionId, listener) {
      if (watching.has(sessionId)) return;
      watching.set(sessionId, bus.subscribe(sessionId, listener));
    },
    stop() {
      for (const stop of watching.values()) stop();
      watching.clear();
    },
  };
}
