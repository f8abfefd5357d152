import type { EventBus, EventListener } from '../core/ports/event-bus.ts';

/** The EventBus within one process: the worker publishes what its runs record, SSE streams listen. */
export function createInProcessEventBus(): EventBus {
  const listeners = new Map<string, Set<EventListener>>();
  return {
    publish(event) {
      const set = listeners.get(event.sessionId);
      if (!set) return;
      for (const listener of [...set]) {
        try {
          listener(event);
        } catch {
          // One broken follower must not stop the others or the runner that published.
        }
      }
    },
    subscribe(sessionId, listener) {
      let set = listeners.get(sessionId);
      if (!set) {
        set = new Set();
        listeners.set(sessionId, set);
      }
      // Wrapped so the same function subscribed twice is two subscriptions.
      const entry: EventListener = (event) => listener(event);
      set.add(entry);
      return () => {
        const current = listeners.get(sessionId);
        if (!current?.delete(entry)) return;
        if (current.size === 0) listeners.delete(sessionId);
      };
    },
    listenerCount(sessionId) {
      if (sessionId !== undefined) return listeners.get(sessionId)?.size ?? 0;
      let count = 0;
      for (const set of listeners.values()) count += set.size;
      return count;
    },
  };
}
