import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import type { Store } from '../src/core/ports/store.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { Benchmark } from './benchmark.ts';
import { sampleEvent, sampleSession } from './samples.ts';
import { type Summary, summarize } from './stats.ts';

const RAW = 'raw node:sqlite INSERT, one transaction per row';
const SEQUENTIAL = 'store.record(), one event per call, 1 writer';
const WRITERS = 8;
const CONCURRENT = `store.record(), one event per call, ${WRITERS} concurrent writers`;

interface Mode {
  latenciesMs: number[];
  wallMs: number;
  events: number;
}

const newMode = (): Mode => ({ latenciesMs: [], wallMs: 0, events: 0 });

/** The same table as the store's events table, written the plainest way node:sqlite allows. */
function openRawLog(path: string): { insert: (sessionId: string, seq: number) => void; close: () => void } {
  const database = new DatabaseSync(path);
  // The store's settings (sqlite-store.ts), so the difference is the store and not the pragmas.
  database.exec('PRAGMA busy_timeout = 5000');
  database.exec('PRAGMA journal_mode = WAL');
  database.exec('PRAGMA foreign_keys = ON');
  database.exec(
    'CREATE TABLE events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, ' +
      'type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (session_id, seq))',
  );
  const statement = database.prepare(
    'INSERT INTO events (session_id, seq, at, type, data) VALUES (?, ?, ?, ?, ?)',
  );
  return {
    insert(sessionId, seq) {
      const data = sampleEvent(seq);
      database.exec('BEGIN IMMEDIATE');
      statement.run(sessionId, seq, new Date().toISOString(), data.type, JSON.stringify(data));
      database.exec('COMMIT');
    },
    close: () => database.close(),
  };
}

async function appendAll(
  store: Store,
  sessionId: string,
  count: number,
  latenciesMs: number[],
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await store.record(sessionId, { events: [sampleEvent(i + 1)] });
    latenciesMs.push(performance.now() - start);
  }
}

export const eventLogAppend: Benchmark = {
  id: 'event-log',
  title: 'Event log append on SQLite',
  baseline:
    'a raw node:sqlite INSERT of the same row, one transaction per row, same file settings (WAL, busy timeout)',

  async run(context) {
    const dir = await context.scratch('event-log');
    const store = await openSqliteStore({ path: join(dir, 'store', 'drydock.db') });
    context.defer(() => store.close());
    const raw = openRawLog(join(dir, 'raw.db'));
    context.defer(async () => raw.close());

    const sequentialId = 'sequential';
    await store.createSession(sampleSession(sequentialId, 'benchmark the event log'));
    const writerIds = Array.from({ length: WRITERS }, (_, i) => `writer-${i + 1}`);
    for (const id of writerIds) await store.createSession(sampleSession(id, 'benchmark the event log'));

    // Rounds alternate the three modes so that a neighbour's burst of load hits all of them alike.
    const rounds = context.iterations({ full: 4, quick: 2 });
    const perRound = Math.max(WRITERS, Math.floor(context.events / rounds));
    const perWriter = Math.floor(perRound / WRITERS);
    const modes = { raw: newMode(), sequential: newMode(), concurrent: newMode() };
    await appendAll(store, sequentialId, 20, []);
    let rawSeq = 0;
    for (let round = 0; round < rounds; round++) {
      context.signal.throwIfAborted();
      let start = performance.now();
      for (let i = 0; i < perRound; i++) {
        const begin = performance.now();
        raw.insert('raw', ++rawSeq);
        modes.raw.latenciesMs.push(performance.now() - begin);
      }
      modes.raw.wallMs += performance.now() - start;
      modes.raw.events += perRound;

      start = performance.now();
      await appendAll(store, sequentialId, perRound, modes.sequential.latenciesMs);
      modes.sequential.wallMs += performance.now() - start;
      modes.sequential.events += perRound;

      start = performance.now();
      await Promise.all(writerIds.map((id) => appendAll(store, id, perWriter, modes.concurrent.latenciesMs)));
      modes.concurrent.wallMs += performance.now() - start;
      modes.concurrent.events += perWriter * WRITERS;
    }

    const rate = (mode: Mode): number => mode.events / (mode.wallMs / 1000);
    const rawRate = rate(modes.raw);
    const note = (mode: Mode): string => {
      const perSecond = `${Math.round(rate(mode)).toLocaleString('en')} events/s`;
      return mode === modes.raw ? perSecond : `${perSecond} (${(rate(mode) / rawRate).toFixed(2)}× raw)`;
    };
    const summary = (mode: Mode): Summary => summarize(mode.latenciesMs);
    return {
      rows: [
        { label: RAW, short: 'raw', baseline: true, summary: summary(modes.raw), note: note(modes.raw) },
        { label: SEQUENTIAL, summary: summary(modes.sequential), note: note(modes.sequential) },
        { label: CONCURRENT, summary: summary(modes.concurrent), note: note(modes.concurrent) },
      ],
      notes: [
        'Times are per call (one event each); the throughput is events over wall time. Each of the ' +
          `${WRITERS} writers appends to its own session, as ${WRITERS} sessions on one worker would; ` +
          'store.record() also updates the session row and numbers the event, in one transaction.',
      ],
    };
  },
};
