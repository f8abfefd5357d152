import type { SessionEvent } from '../core/events.ts';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Store } from '../core/ports/store.ts';
import type { StorePoller } from './store-poller.ts';

export interface EventSources {
  store: Store;
  bus: EventBus;
  poller: StorePoller;
}

const REPLAY_PAGE = 500;

/**
 * Sends every event of a session after `afterSeq`, in order and each once: the durable log from the
 * store, then live events from the bus (fed by this process's runs, and by the store poller or, on
 * Postgres, LISTEN/NOTIFY). A gap in the live seqs is filled from the store. Resolves when `signal` aborts, after releasing its bus
 * subscription and its poller watch (a send still in flight then finishes on its own and sends
 * nothing more). `send` may be slow: events are sent one at a time.
 */
export async function followEvents(
  sources: EventSources,
  sessionId: string,
  afterSeq: number,
  send: (event: SessionEvent) => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  let lastSeq = afterSeq;
  let live = false;
  const early: SessionEvent[] = [];
  // Sends happen on one chain, so order holds even though the bus calls back synchronously.
  let chain: Promise<void> = Promise.resolve();

  const catchUp = async () => {
    for (;;) {
      if (signal.aborted) return;
      const page = await sources.store.listEvents(sessionId, lastSeq, REPLAY_PAGE);
      for (const event of page) {
        if (signal.aborted) return;
        if (event.seq <= lastSeq) continue;
        await send(event);
        lastSeq = event.seq;
      }
      if (page.length < REPLAY_PAGE) return;
    }
  };
  const offer = async (event: SessionEvent) => {
    if (signal.aborted || event.seq <= lastSeq) return;
    if (event.seq === lastSeq + 1) {
      await send(event);
      lastSeq = event.seq;
    } else {
      await catchUp();
    }
  };
  const enqueue = (work: () => Promise<void>) => {
    chain = chain.then(work).catch(() => {
      // A failed send or read: the stream is going away; nothing more to do for it.
    });
  };

  const unsubscribe = sources.bus.subscribe(sessionId, (event) => {
    if (live) enqueue(() => offer(event));
    else early.push(event);
  });
  let release = () => {};
  try {
    await catchUp();
    live = true;
    for (const event of early.splice(0)) enqueue(() => offer(event));
    release = sources.poller.watch(sessionId, lastSeq);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    unsubscribe();
    release();
  }
}
