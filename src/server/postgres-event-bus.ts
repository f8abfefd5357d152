import pg from 'pg';
import type { SessionEvent } from '../core/events.ts';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Store } from '../core/ports/store.ts';
import type { EventsNotice } from '../store/kysely-store.ts';
import { EVENTS_CHANNEL } from '../store/postgres-store.ts';
import { createInProcessEventBus } from './event-bus.ts';
import type { StorePoller } from './store-poller.ts';

export interface PostgresEventBusOptions {
  connectionString: string;
  /** Where the announced events are read from: a store on the same database. */
  store: Store;
  /** Wait before reconnecting after the listening connection is lost; default 1 s. */
  reconnectMs?: number;
  onError?: (error: unknown) => void;
}

export interface PostgresEventBus extends EventBus {
  /** Connects and LISTENs; resolves once listening. */
  start(): Promise<void>;
  /** Stops listening and ends the connection. */
  close(): Promise<void>;
  /** True while the LISTEN connection is up. */
  listening(): boolean;
}

/** The bus feeds its followers itself: the store poller has nothing to do next to it. */
export const idlePoller: StorePoller = { watch: () => () => {}, watchedCount: () => 0 };

const READ_PAGE = 500;

/**
 * The EventBus across processes on Postgres: every Postgres store announces its committed event
 * writes on one channel (`pg_notify` in the write's transaction); this bus LISTENs on one dedicated
 * connection and, for sessions someone here follows, reads the announced events from the store and
 * publishes them to local listeners in seq order, each once. Events published in this process (its
 * own worker) are delivered at once, as by the in-process bus. After a lost connection it reconnects
 * and reads what it missed from the store.
 */
export function createPostgresEventBus(options: PostgresEventBusOptions): PostgresEventBus {
  const local = createInProcessEventBus();
  /** Per followed session: the highest seq published here, and the chain its reads run on. */
  const followed = new Map<string, { lastSeq: number; chain: Promise<void> }>();
  const reconnectMs = options.reconnectMs ?? 1000;
  const onError = options.onError ?? (() => {});
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const publish = (event: SessionEvent) => {
    const entry = followed.get(event.sessionId);
    if (entry) {
      if (event.seq <= entry.lastSeq) return;
      entry.lastSeq = event.seq;
    }
    local.publish(event);
  };

  /** Reads the session's events after what was published here (or after `floor` if higher) and publishes them. */
  const catchUp = (sessionId: string, floor: number) => {
    const entry = followed.get(sessionId);
    if (!entry) return;
    entry.chain = entry.chain.then(async () => {
      for (;;) {
        const current = followed.get(sessionId);
        if (current !== entry) return;
        const page = await options.store.listEvents(sessionId, Math.max(entry.lastSeq, floor), READ_PAGE);
        for (const event of page) publish(event);
        if (page.length < READ_PAGE) return;
      }
    });
    entry.chain = entry.chain.catch(onError);
  };

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== EVENTS_CHANNEL || !message.payload) return;
    let notice: EventsNotice;
    try {
      notice = JSON.parse(message.payload) as EventsNotice;
    } catch {
      return;
    }
    const entry = followed.get(notice.sessionId);
    // Nobody here follows it, or it was published here already.
    if (!entry || notice.last <= entry.lastSeq) return;
    // A follower that subscribed after the previous notice replayed the log itself: start at this
    // notice's first event rather than at seq 0.
    catchUp(notice.sessionId, entry.lastSeq === 0 ? notice.first - 1 : 0);
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString });
    next.on('notification', onNotification);
    next.on('error', (error) => {
      onError(error);
      lost(next);
    });
    next.on('end', () => lost(next));
    await next.connect();
    await next.query(`LISTEN ${EVENTS_CHANNEL}`);
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
  };

  const lost = (which: pg.Client) => {
    if (client !== which) return;
    client = null;
    which.end().catch(() => {});
    scheduleReconnect();
  };

  const scheduleReconnect = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      if (closed) return;
      connect().then(
        () => {
          // Whatever was announced while the connection was down.
          for (const sessionId of followed.keys()) catchUp(sessionId, 0);
        },
        (error: unknown) => {
          onError(error);
          scheduleReconnect();
        },
      );
    }, reconnectMs);
    retry.unref();
  };

  return {
    publish,
    subscribe(sessionId, listener) {
      if (!followed.has(sessionId)) followed.set(sessionId, { lastSeq: 0, chain: Promise.resolve() });
      const unsubscribe = local.subscribe(sessionId, listener);
      return () => {
        unsubscribe();
        if (local.listenerCount(sessionId) === 0) followed.delete(sessionId);
      };
    },
    listenerCount: (sessionId) => local.listenerCount(sessionId),
    async start() {
      closed = false;
      await connect();
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      retry = null;
      const current = client;
      client = null;
      await current?.end().catch(() => {});
      await Promise.all([...followed.values()].map((entry) => entry.chain));
    },
    listening: () => client !== null,
  };
}
