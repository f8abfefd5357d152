import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ANALYTICS_EVENT_TYPES, computeAnalytics, type SessionFacts } from '../src/core/analytics.ts';
import type { EventData } from '../src/core/events.ts';
import type { Store } from '../src/core/ports/store.ts';
import type { Session } from '../src/core/session.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { Benchmark } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { sampleEvent, sampleSession } from './samples.ts';

const SESSIONS = 2_000;
/** Every tenth session is a best-of-2 parent with two attempts (their events roll into it). */
const ATTEMPTS_EVERY = 10;
const NOISE_EVENTS = 50;
const DAYS = 60;
const FROM = '2026-09-01';
const TO = '2026-10-30';

const WHOLE = 'every session, then each log whole (listEvents), filtered in memory';
const FACTS = 'listSessionFacts: 4 event types, events_session_type index';
const NO_INDEX = 'listSessionFacts without the index (migration 0020 dropped)';

/** A session's log as analytics see it: mostly tool results, and the few events they read. */
function sessionLog(index: number): EventData[] {
  const events: EventData[] = Array.from({ length: NOISE_EVENTS }, (_, step) => sampleEvent(step + 1));
  for (const [from, to] of [
    ['queued', 'provisioning'],
    ['provisioning', 'setup'],
    ['setup', 'working'],
    ['working', 'verifying'],
    ['verifying', 'delivering'],
    ['delivering', index % 3 === 0 ? 'bowed_out' : 'delivered'],
  ] as const) {
    events.push({ type: 'state.changed', from, to });
  }
  events.push({
    type: 'gate.verdict',
    round: 1,
    passed: index % 4 !== 0,
    problems: [],
    warnings: [],
    failToPass: [],
    passToPass: 3,
  });
  events.push({
    type: 'review.completed',
    round: 1,
    approved: true,
    summary: 'fine',
    findings: [
      { id: 'f1', round: 1, file: 'src/a.ts', severity: 'minor', explanation: 'a name could be clearer' },
    ],
  });
  if (index % 2 === 0)
    events.push({ type: 'pull.closed', url: 'https://example/pull/1', number: 1, merged: index % 4 === 0 });
  return events;
}

async function seed(store: Store): Promise<void> {
  const start = Date.parse(`${FROM}T00:00:00.000Z`);
  for (let i = 0; i < SESSIONS; i++) {
    const createdAt = new Date(start + Math.floor((i * DAYS * 86_400_000) / SESSIONS)).toISOString();
    const session: Session = {
      ...sampleSession(`s${i}`),
      createdAt,
      updatedAt: createdAt,
      model: `m${i % 3}`,
    };
    const parent: Session = i % ATTEMPTS_EVERY === 0 ? { ...session, kind: 'attempts' } : session;
    await store.createSession(parent);
    await store.record(parent.id, { events: sessionLog(i) });
    if (i % ATTEMPTS_EVERY !== 0) continue;
    for (const n of [1, 2]) {
      const child: Session = { ...session, id: `s${i}-a${n}`, kind: 'attempt', parentId: parent.id };
      await store.createSession(child);
      await store.record(child.id, { events: sessionLog(i + n) });
    }
  }
}

/** What analytics would do without the store's help: read every session, then every log whole. */
async function wholeLogs(store: Store): Promise<SessionFacts[]> {
  const types = new Set<string>(ANALYTICS_EVENT_TYPES);
  const all = await store.listSessions({ limit: 1_000_000, order: 'oldest' });
  const children = new Map<string, string[]>();
  for (const session of all) {
    if (session.parentId !== undefined)
      children.set(session.parentId, [...(children.get(session.parentId) ?? []), session.id]);
  }
  const facts: SessionFacts[] = [];
  for (const session of all.filter((each) => each.parentId === undefined)) {
    const events = [];
    for (const id of [session.id, ...(children.get(session.id) ?? [])]) {
      events.push(...(await store.listEvents(id)).filter((event) => types.has(event.data.type)));
    }
    facts.push({ session, events });
  }
  return facts;
}

export const analyticsQueryBench: Benchmark = {
  id: 'analytics',
  title: `Analytics over ${SESSIONS.toLocaleString('en')} sessions on SQLite`,
  baseline: 'reading every session and its whole event log through the Store port, then filtering in memory',

  async run(context) {
    const dir = await context.scratch('analytics');
    const path = join(dir, 'drydock.db');
    const store = await openSqliteStore({ path });
    context.defer(() => store.close());
    context.log(`analytics: seeding ${SESSIONS} sessions × ${NOISE_EVENTS + 10} events`);
    await seed(store);
    // The same data without the index: a copy, the index dropped.
    const copyPath = join(dir, 'no-index.db');
    const raw = new DatabaseSync(path);
    raw.exec(`VACUUM INTO '${copyPath.replace(/'/g, "''")}'`);
    raw.close();
    const copy = new DatabaseSync(copyPath);
    copy.exec('DROP INDEX events_session_type');
    copy.close();
    const noIndex = await openSqliteStore({ path: copyPath });
    context.defer(() => noIndex.close());

    const range = { from: `${FROM}T00:00:00.000Z`, to: `${TO}T23:59:59.999Z` };
    const query = { from: FROM, to: TO };
    let checked: string | null = null;
    const check = (facts: SessionFacts[]) => {
      // Every way must count the same, or the comparison is of different work.
      const totals = JSON.stringify(computeAnalytics(facts, query).totals);
      if (checked !== null && checked !== totals) throw new Error('the analytics differ between the cases');
      checked = totals;
    };
    const summaries = await measureInterleaved(
      [
        { label: WHOLE, run: () => timed(async () => check(await wholeLogs(store))) },
        {
          label: FACTS,
          run: () => timed(async () => check(await store.listSessionFacts(range, ANALYTICS_EVENT_TYPES))),
        },
        {
          label: NO_INDEX,
          run: () => timed(async () => check(await noIndex.listSessionFacts(range, ANALYTICS_EVENT_TYPES))),
        },
      ],
      {
        iterations: context.iterations({ full: 5, quick: 2 }),
        warmup: context.warmup({ full: 1, quick: 1 }),
        signal: context.signal,
      },
    );
    return {
      rows: [
        { label: WHOLE, short: 'whole logs', baseline: true, summary: summaryOf(summaries, WHOLE) },
        { label: FACTS, summary: summaryOf(summaries, FACTS) },
        { label: NO_INDEX, summary: summaryOf(summaries, NO_INDEX) },
      ],
      notes: [
        `${SESSIONS.toLocaleString('en')} top-level sessions over ${DAYS} days (every ${ATTEMPTS_EVERY}th with two attempts), ` +
          `each log ${NOISE_EVENTS} tool results plus about 10 events analytics read; each time includes computeAnalytics over the whole range.`,
      ],
    };
  },
};
