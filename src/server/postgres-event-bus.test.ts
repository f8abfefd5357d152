import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/events.ts';
import type { Store } from '../core/ports/store.ts';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../store/embedded-postgres.ts';
import { openPostgresStore } from '../store/postgres-store.ts';
import { newSession } from '../store/store-contract.ts';
import { createPostgresEventBus, type PostgresEventBus } from './postgres-event-bus.ts';

let server: EmbeddedPostgresServer;
let writer: Store;
let reader: Store;
let bus: PostgresEventBus;

beforeAll(async () => {
  server = await startEmbeddedPostgres();
  // Two stores on one database stand for two processes: a worker that records, a control plane that follows.
  writer = await openPostgresStore({ connectionString: server.connectionString });
  reader = await openPostgresStore({ connectionString: server.connectionString });
  bus = createPostgresEventBus({
    connectionString: server.connectionString,
    store: reader,
    reconnectMs: 300,
  });
  await bus.start();
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await writer?.close();
  await reader?.close();
  await server?.stop();
});

function collect(sessionId: string): { events: SessionEvent[]; stop: () => void } {
  const events: SessionEvent[] = [];
  const stop = bus.subscribe(sessionId, (event) => events.push(event));
  return { events, stop };
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const modelError = (step: number) => ({ type: 'model.error' as const, step, message: `e${step}` });

describe('Postgres LISTEN/NOTIFY event bus', () => {
  it('delivers events another store records, in order, each once', async () => {
    const followed = collect('pg-bus-1');
    await writer.createSession(newSession('pg-bus-1'));
    const unfollowed = collect('pg-bus-other');
    await writer.createSession(newSession('pg-bus-other'));
    unfollowed.stop();
    // Concurrent writes of one and of several events.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        writer.record('pg-bus-1', {
          events: i % 3 === 0 ? [modelError(i), modelError(i + 100)] : [modelError(i)],
        }),
      ),
    );
    const total = 1 + 40 + 14;
    await until(() => followed.events.length >= total);
    // A little longer: nothing more (no duplicates) arrives.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(followed.events.map((event) => event.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    followed.stop();
    expect(bus.listenerCount()).toBe(0);
  });

  it('reconnects after losing its connection and catches up on what was recorded meanwhile', async () => {
    const followed = collect('pg-bus-2');
    await writer.createSession(newSession('pg-bus-2'));
    await writer.record('pg-bus-2', { events: [modelError(1)] });
    await until(() => followed.events.length === 2);
    const admin = new pg.Client({ connectionString: server.connectionString });
    await admin.connect();
    try {
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where query ilike 'listen %' and pid <> pg_backend_pid()`,
      );
    } finally {
      await admin.end();
    }
    await until(() => !bus.listening());
    // Recorded while nobody listens: no notice reaches the bus.
    await writer.record('pg-bus-2', { events: [modelError(2), modelError(3)] });
    await until(() => bus.listening());
    await writer.record('pg-bus-2', { events: [modelError(4)] });
    await until(() => followed.events.length >= 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(followed.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    followed.stop();
  });

  it('delivers events published in this process at once, and their notices add nothing', async () => {
    const followed = collect('pg-bus-3');
    await writer.createSession(newSession('pg-bus-3'));
    await until(() => followed.events.length === 1);
    const [event] = await writer.record('pg-bus-3', { events: [modelError(1)] });
    if (!event) throw new Error('no event');
    bus.publish(event);
    expect(followed.events).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(followed.events.map((e) => e.seq)).toEqual([1, 2]);
    followed.stop();
  });

  it('keeps retrying while the database refuses connections, then catches up; close stops the retries', async () => {
    // A TCP proxy to the server, which the test takes down and brings back on the same port.
    const target = new URL(server.connectionString);
    const sockets = new Set<Socket>();
    const open = (port: number) =>
      new Promise<Server>((resolve) => {
        const proxy = createServer((socket) => {
          const upstream = connect(Number(target.port), '127.0.0.1');
          for (const each of [socket, upstream]) {
            sockets.add(each);
            each.on('error', () => {});
            each.on('close', () => sockets.delete(each));
          }
          socket.pipe(upstream).pipe(socket);
        });
        proxy.listen(port, '127.0.0.1', () => resolve(proxy));
      });
    const shut = (proxy: Server) => {
      const closed = new Promise((resolve) => proxy.close(resolve));
      for (const socket of sockets) socket.destroy();
      return closed;
    };
    let proxy = await open(0);
    const port = (proxy.address() as { port: number }).port;
    const viaProxy = new URL(server.connectionString);
    viaProxy.port = String(port);
    const errors: unknown[] = [];
    const flaky = createPostgresEventBus({
      connectionString: viaProxy.toString(),
      store: reader,
      reconnectMs: 50,
      onError: (error) => errors.push(error),
    });
    await flaky.start();
    const events: SessionEvent[] = [];
    const stop = flaky.subscribe('pg-bus-4', (event) => events.push(event));
    try {
      await writer.createSession(newSession('pg-bus-4'));
      await until(() => events.length === 1);

      await shut(proxy);
      await until(() => !flaky.listening());
      await writer.record('pg-bus-4', { events: [modelError(1)] });
      // Several attempts fail (connection refused), each reported, and none gives up.
      await until(() => errors.length >= 3);
      expect(flaky.listening()).toBe(false);

      proxy = await open(port);
      await until(() => flaky.listening());
      await until(() => events.length >= 2);
      expect(events.map((event) => event.seq)).toEqual([1, 2]);

      await shut(proxy);
      await until(() => !flaky.listening());
      await until(() => errors.length >= 4);
      await flaky.close();
      const reported = errors.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(errors.length).toBe(reported);
    } finally {
      stop();
      await flaky.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
