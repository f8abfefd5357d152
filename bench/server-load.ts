import { EventEmitter, once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { SessionEvent } from '../src/core/events.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { SandboxProvider } from '../src/core/ports/sandbox.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createNoSandboxProvider } from '../src/sandbox/no-sandbox-provider.ts';
import { type RunningServer, startServer } from '../src/server/start-server.ts';
import { hashToken } from '../src/server/tokens.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createRandomIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import type { BenchContext, Benchmark, Row } from './benchmark.ts';
import { formatMs } from './report.ts';
import { percentile, type Summary, summarize } from './stats.ts';

/** The goals (issue 6): 100 concurrent sessions, fan-out p99 ≤ 100 ms. */
const GOAL_SESSIONS = 100;
const GOAL_P99_MS = 100;
const TOKEN = 'dd_bench-load-secret';
const TERMINAL = new Set(['delivered', 'failed', 'bowed_out', 'cancelled']);
const TASK = 'mean() in src/stats.js returns the wrong value. Fix it so the tests pass.';

/**
 * A cheap session: the coder reads the file, makes the one-line fix that makes the sample's test
 * pass and finishes; the reviewer approves. The gate still runs the sample's `npm test` twice
 * (baseline and verification): that is the session's real work.
 */
export const LOAD_SCRIPT: Script = {
  coder: [
    { toolCalls: [{ name: 'read_file', input: { path: 'src/stats.js' } }] },
    {
      toolCalls: [
        {
          name: 'edit_file',
          input: {
            path: 'src/stats.js',
            oldText: 'for (let i = 1; i < numbers.length; i++)',
            newText: 'for (let i = 0; i < numbers.length; i++)',
          },
        },
      ],
    },
    { toolCalls: [{ name: 'finish', input: { summary: 'The loop now starts at 0.' } }] },
  ],
  reviewer: [
    { toolCalls: [{ name: 'submit_review', input: { summary: 'Minimal and correct.', findings: [] } }] },
  ],
};

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) {
    throw new Error(`${name} must be a positive integer, got "${value}".`);
  }
  return parsed;
}

interface Received {
  seq: number;
  /** performance.now() and Date.now() when the chunk holding the message was read. */
  at: number;
  wall: number;
  /** The event's own `at` (written by the runner just before the append), in ms since the epoch. */
  eventAt: number;
}

interface Subscriber {
  sessionId: string;
  /** When the response headers arrived: the server's bus subscription exists from then on. */
  openedAt: number;
  received: Received[];
  /** The terminal state the subscriber saw, once it saw one. */
  ended: Promise<string>;
  close(): void;
}

/** An SSE client over fetch that timestamps every message as it is read (bench-only, minimal). */
async function subscribe(url: string, sessionId: string, signal: AbortSignal): Promise<Subscriber> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort, { once: true });
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${TOKEN}`, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  const openedAt = performance.now();
  if (response.status !== 200 || !response.body) {
    throw new Error(`GET events of ${sessionId}: HTTP ${response.status} ${await response.text()}`);
  }
  const received: Received[] = [];
  const body = response.body;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        const at = performance.now();
        const wall = Date.now();
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const dataLine = block.split('\n').find((line) => line.startsWith('data: '));
          if (dataLine === undefined) continue; // a keep-alive comment
          const event = JSON.parse(dataLine.slice(6)) as SessionEvent;
          received.push({ seq: event.seq, at, wall, eventAt: Date.parse(event.at) });
          if (event.data.type === 'state.changed' && TERMINAL.has(event.data.to)) return event.data.to;
        }
      }
      return 'stream ended';
    } catch (error) {
      return signal.aborted ? 'aborted' : `stream failed: ${String(error)}`;
    } finally {
      signal.removeEventListener('abort', abort);
      controller.abort();
    }
  })();
  return { sessionId, openedAt, received, ended, close: abort };
}

interface LoadResult {
  sessions: number;
  subscribers: number;
  /** First POST → every subscriber saw every session's terminal state. */
  wallMs: number;
  /** Per session: POST → its first subscriber saw the terminal state. */
  perSession: number[];
  /** Bus publish → subscriber read it, for events published after the subscriber connected. */
  fromPublish: number[];
  /** The event's `at` → subscriber read it (ms resolution). */
  fromAt: number[];
  /** Events a subscriber got from the store replay (published before it connected). */
  replayed: number;
  /** Events per session (seq of the terminal event), summed. */
  events: number;
  states: Map<string, number>;
  /** Subscribers whose seqs were not exactly 1..n. */
  gaps: number;
  rss: { before: number; peak: number; after: number };
  heap: { before: number; after: number };
  /** What the worker reported through console.error (e.g. SQLite busy). */
  workerErrors: string[];
  /** Event-loop delay during the run (ms): how long a ready callback waited for the thread. */
  loopDelay: { p50: number; p99: number; max: number };
  /** CPU time during the run (ms): this process's own, and its children's (npm test, git). */
  cpu: { main: number; children: number };
}

/** CPU time of this process's waited-for children (cutime + cstime), in ms; 0 where /proc is missing. */
async function childrenCpuMs(): Promise<number> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5), counted from after the command name (field 3 is index 0).
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return 0;
  }
}

async function loadRun(
  context: BenchContext,
  options: { name: string; sandboxes: SandboxProvider; sessions: number; subscribers: number },
): Promise<LoadResult> {
  const dir = await context.scratch(`load-${options.name}`);
  const repo = join(dir, 'repo');
  const home = join(dir, 'home');
  await mkdir(repo);
  await createSampleRepo(repo);
  const ids = createRandomIds();
  const store = await openSqliteStore({ path: join(home, 'drydock.db'), clock: systemClock, ids });
  let storeClosed = false;
  const closeStore = async () => {
    if (storeClosed) return;
    storeClosed = true;
    await store.close();
  };
  context.defer(closeStore);
  await store.createToken({ name: 'bench', role: 'member', tokenHash: hashToken(TOKEN) });
  const deps: SessionDeps = {
    store,
    sandboxes: options.sandboxes,
    models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts: { load: LOAD_SCRIPT } }),
    clock: systemClock,
    ids,
    home,
    budget: DEFAULT_BUDGET,
  };

  // The worker reports what it cannot record on a session through console.error: count it.
  const workerErrors: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    workerErrors.push(args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(' '));
  };
  const stop = new AbortController();
  let server: RunningServer | undefined;
  let serverClosed = false;
  const closeServer = async () => {
    if (serverClosed || !server) return;
    serverClosed = true;
    await server.close(10_000);
  };
  context.defer(closeServer);
  let sampler: NodeJS.Timeout | undefined;
  try {
    server = await startServer({
      sessions: deps,
      defaultModel: 'script:load',
      allowScriptModels: true,
      version: 'bench',
      port: 0,
      host: '127.0.0.1',
      concurrency: options.sessions,
      workerPollMs: 100,
    });
    const { url } = server;
    // Stamp every event as the worker publishes it, before any follower's listener runs. The app
    // and the worker hold this same bus object.
    const published = new Map<string, number>();
    const bus = server.bus;
    const publish = bus.publish.bind(bus);
    bus.publish = (event) => {
      published.set(`${event.sessionId}:${event.seq}`, performance.now());
      publish(event);
    };

    const before = process.memoryUsage();
    let peak = before.rss;
    sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 25);

    const loop = monitorEventLoopDelay({ resolution: 10 });
    const cpuBefore = process.cpuUsage();
    const childrenBefore = await childrenCpuMs();
    loop.enable();
    const start = performance.now();
    const perSession: number[] = [];
    const all = await Promise.all(
      Array.from({ length: options.sessions }, async () => {
        const created = performance.now();
        const response = await fetch(`${url}/api/sessions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ repo, task: TASK, model: 'script:load' }),
        });
        if (response.status !== 201) {
          throw new Error(`POST /api/sessions: HTTP ${response.status} ${await response.text()}`);
        }
        const { id } = (await response.json()) as { id: string };
        const subscribers = await Promise.all(
          Array.from({ length: options.subscribers }, () =>
            subscribe(`${url}/api/sessions/${id}/events`, id, stop.signal),
          ),
        );
        const states = await Promise.all(subscribers.map((subscriber) => subscriber.ended));
        perSession.push(performance.now() - created);
        return { subscribers, state: states[0]! };
      }),
    );
    const wallMs = performance.now() - start;
    loop.disable();
    const cpuUsed = process.cpuUsage(cpuBefore);
    const childrenUsed = (await childrenCpuMs()) - childrenBefore;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    const after = process.memoryUsage();

    const fromPublish: number[] = [];
    const fromAt: number[] = [];
    let replayed = 0;
    let events = 0;
    let gaps = 0;
    const states = new Map<string, number>();
    for (const { subscribers, state } of all) {
      states.set(state, (states.get(state) ?? 0) + 1);
      events += subscribers[0]?.received.at(-1)?.seq ?? 0;
      for (const subscriber of subscribers) {
        if (subscriber.received.some((message, index) => message.seq !== index + 1)) gaps++;
        for (const message of subscriber.received) {
          const publishedAt = published.get(`${subscriber.sessionId}:${message.seq}`);
          if (publishedAt === undefined || publishedAt < subscriber.openedAt) {
            replayed++;
            continue;
          }
          fromPublish.push(message.at - publishedAt);
          fromAt.push(message.wall - message.eventAt);
        }
      }
    }
    return {
      sessions: options.sessions,
      subscribers: options.subscribers,
      wallMs,
      perSession,
      fromPublish,
      fromAt,
      replayed,
      events,
      states,
      gaps,
      rss: { before: before.rss, peak, after: after.rss },
      heap: { before: before.heapUsed, after: after.heapUsed },
      workerErrors,
      loopDelay: {
        p50: loop.percentile(50) / 1e6,
        p99: loop.percentile(99) / 1e6,
        max: loop.max / 1e6,
      },
      cpu: { main: (cpuUsed.user + cpuUsed.system) / 1000, children: childrenUsed },
    };
  } finally {
    if (sampler) clearInterval(sampler);
    stop.abort();
    try {
      await closeServer();
      await closeStore();
    } finally {
      console.error = consoleError;
    }
  }
}

/**
 * The fan-out floor: one event from a plain EventEmitter written as SSE by node:http and read by
 * fetch over a local connection, one at a time, with a payload the size of a real event.
 */
async function emitterRoundTrips(iterations: number): Promise<number[]> {
  const emitter = new EventEmitter();
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.flushHeaders();
    const listener = (seq: number, data: string) => {
      response.write(`id: ${seq}\nevent: tool.result\ndata: ${data}\n\n`);
    };
    emitter.on('event', listener);
    response.on('close', () => emitter.off('event', listener));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const controller = new AbortController();
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const data = JSON.stringify({
      seq: 0,
      sessionId: 's_0123456789abcdef',
      at: new Date().toISOString(),
      data: { type: 'tool.result', callId: 'c1', output: 'x'.repeat(240), isError: false },
    });
    const samples: number[] = [];
    let buffer = '';
    for (let seq = 1; seq <= iterations; seq++) {
      const sent = performance.now();
      emitter.emit('event', seq, data);
      while (!buffer.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) throw new Error('the emitter stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
      samples.push(performance.now() - sent);
      buffer = buffer.slice(buffer.indexOf('\n\n') + 2);
    }
    return samples;
  } finally {
    controller.abort();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const MIB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;
const p99 = (samples: readonly number[]): number =>
  samples.length === 0
    ? Number.NaN
    : percentile(
        [...samples].sort((a, b) => a - b),
        99,
      );
const single = (ms: number): Summary => summarize([ms]);

function describeStates(result: LoadResult): string {
  return [...result.states].map(([state, count]) => `${count} ${state}`).join(', ');
}

function verdict(met: boolean): string {
  return met ? 'met' : 'missed';
}

export const serverLoad: Benchmark = {
  id: 'server-load',
  title: 'Server under load: concurrent sessions, SSE fan-out',
  baseline:
    'for throughput, one session alone on the same server setup; for fan-out latency, one event from a ' +
    'plain EventEmitter written as SSE over a local HTTP connection (and the issue’s absolute goal, p99 ≤ 100 ms)',

  async run(context) {
    const quick = context.quick;
    const sessions = positive('BENCH_LOAD_SESSIONS', process.env.BENCH_LOAD_SESSIONS, quick ? 20 : 100);
    const subscribers = positive('BENCH_LOAD_SUBSCRIBERS', process.env.BENCH_LOAD_SUBSCRIBERS, 2);
    const bwrapSessions = positive(
      'BENCH_LOAD_BWRAP_SESSIONS',
      process.env.BENCH_LOAD_BWRAP_SESSIONS,
      quick ? 3 : 10,
    );

    context.log('fan-out floor: EventEmitter → SSE round trips');
    const floor = await emitterRoundTrips(quick ? 50 : 300);
    context.signal.throwIfAborted();

    context.log(`1 session alone (--sandbox none), ${subscribers} subscribers`);
    const alone = await loadRun(context, {
      name: 'alone',
      sandboxes: createNoSandboxProvider(),
      sessions: 1,
      subscribers,
    });
    context.signal.throwIfAborted();
    context.log(`${sessions} concurrent sessions (--sandbox none), ${subscribers} subscribers each`);
    const load = await loadRun(context, {
      name: 'none',
      sandboxes: createNoSandboxProvider(),
      sessions,
      subscribers,
    });
    context.log(
      `  ${describeStates(load)} in ${formatMs(load.wallMs)}; fan-out p99 ${formatMs(p99(load.fromPublish))}; ` +
        `peak RSS ${mib(load.rss.peak)}; event-loop delay p99 ${formatMs(load.loopDelay.p99)}; ` +
        `CPU main ${formatMs(load.cpu.main)}, children ${formatMs(load.cpu.children)}; RSS before ` +
        `${mib(load.rss.before)}, after ${mib(load.rss.after)}; ${load.replayed} deliveries replayed`,
    );
    context.signal.throwIfAborted();
    context.log(`${bwrapSessions} concurrent sessions (bubblewrap), ${subscribers} subscribers each`);
    const bwrap = await loadRun(context, {
      name: 'bwrap',
      sandboxes: createBubblewrapProvider(),
      sessions: bwrapSessions,
      subscribers,
    });
    context.log(`  ${describeStates(bwrap)} in ${formatMs(bwrap.wallMs)}`);

    const allDelivered = (result: LoadResult) => result.states.get('delivered') === result.sessions;
    const loadP99 = p99(load.fromPublish);
    const p99Met = loadP99 <= GOAL_P99_MS;
    const sessionsMet = sessions >= GOAL_SESSIONS && allDelivered(load) && load.gaps === 0;
    const rate = (result: LoadResult) =>
      `${(result.sessions / (result.wallMs / 1000)).toFixed(2)} sessions/s`;
    const perSessionMemory = (result: LoadResult) =>
      `${((result.rss.peak - result.rss.before) / result.sessions / MIB).toFixed(2)} MiB peak RSS growth per session`;
    const fanOutNote = (result: LoadResult) =>
      `p99 ${formatMs(p99(result.fromPublish))} over ${result.fromPublish.length} deliveries ` +
      `(${result.replayed} replayed from the store, not counted)`;

    const ALONE = '1 session alone: POST → delivered seen by its subscribers';
    const FLOOR = 'fan-out floor: EventEmitter → SSE → fetch, one event';
    const vsAlone = [ALONE];
    const vsFloor = [FLOOR];
    const rows: Row[] = [
      {
        label: ALONE,
        short: 'alone',
        baseline: true,
        summary: single(alone.wallMs),
        note: `${rate(alone)}; ${describeStates(alone)}`,
      },
      {
        label: `${sessions} concurrent sessions: wall time ÷ ${sessions}`,
        summary: single(load.wallMs / sessions),
        compareWith: vsAlone,
        note:
          `${rate(load)}; all in ${formatMs(load.wallMs)}; ${describeStates(load)}; ` +
          `${perSessionMemory(load)}; goal ${GOAL_SESSIONS} concurrent: ${verdict(sessionsMet)}`,
      },
      {
        label: `  each of the ${sessions}: POST → delivered`,
        summary: summarize(load.perSession),
        compareWith: vsAlone,
      },
      {
        label: `${bwrapSessions} concurrent on bubblewrap: wall time ÷ ${bwrapSessions}`,
        summary: single(bwrap.wallMs / bwrapSessions),
        compareWith: vsAlone,
        note: `${rate(bwrap)}; all in ${formatMs(bwrap.wallMs)}; ${describeStates(bwrap)}; ${perSessionMemory(bwrap)}`,
      },
      {
        label: FLOOR,
        short: 'emitter',
        baseline: true,
        summary: summarize(floor),
        note: `p99 ${formatMs(p99(floor))}`,
      },
      {
        label: `fan-out, ${sessions} sessions × ${subscribers} subscribers: bus publish → read`,
        summary: summarize(load.fromPublish),
        compareWith: vsFloor,
        note: `${fanOutNote(load)}; goal p99 ≤ ${GOAL_P99_MS} ms: ${verdict(p99Met)}`,
      },
      {
        label: `  same, from the event's \`at\` → read`,
        summary: summarize(load.fromAt),
        compareWith: vsFloor,
        note: `p99 ${formatMs(p99(load.fromAt))}`,
      },
      {
        label: `fan-out, 1 session alone: bus publish → read`,
        summary: summarize(alone.fromPublish),
        compareWith: vsFloor,
        note: fanOutNote(alone),
      },
      {
        label: `fan-out, ${bwrapSessions} on bubblewrap: bus publish → read`,
        summary: summarize(bwrap.fromPublish),
        compareWith: vsFloor,
        note: fanOutNote(bwrap),
      },
    ];

    const workerErrors = [...load.workerErrors, ...bwrap.workerErrors, ...alone.workerErrors];
    return {
      rows,
      notes: [
        `Load: ${sessions} sessions created at once through \`POST /api/sessions\` on a server started with ` +
          `startServer (worker concurrency ${sessions}, SQLite store on a file, \`--sandbox none\`), ` +
          `${subscribers} SSE subscribers per session connected right after its POST; ${bwrapSessions} more on ` +
          'bubblewrap for comparison. BENCH_LOAD_SESSIONS, BENCH_LOAD_SUBSCRIBERS and BENCH_LOAD_BWRAP_SESSIONS ' +
          'change the counts. Each session reads a file, makes a one-line fix, finishes and is approved by a ' +
          "scripted reviewer; the gate runs the sample's `npm test` twice, which is most of its CPU.",
        `Goals (issue 6): ${GOAL_SESSIONS} concurrent sessions — ${verdict(sessionsMet)} ` +
          `(${describeStates(load)}, ${load.gaps} subscribers with a gap or duplicate); fan-out p99 ≤ ` +
          `${GOAL_P99_MS} ms — ${verdict(p99Met)} (${formatMs(loadP99)}).`,
        `Fan-out latency is from the moment the worker publishes an event on the server's bus (a wrapper ` +
          'stamps it before any follower runs) to the moment the subscriber reads the chunk holding it, for ' +
          "every event published after the subscriber's stream opened. Client and server share one process " +
          'and one event loop, so the clocks agree, but the clients’ own parsing competes with the server and ' +
          'the sessions for the same two cores: the numbers are an upper bound of what separate clients ' +
          'would see. The `at` variant also counts the store append (`at` is written just before it) and ' +
          'has millisecond resolution.',
        `Memory: process RSS ${mib(load.rss.before)} before the ${sessions}-session run, ${mib(load.rss.peak)} ` +
          `at its peak (sampled every 25 ms), ${mib(load.rss.after)} after; heap ${mib(load.heap.before)} → ` +
          `${mib(load.heap.after)}. Commands run as child processes (not counted); the growth per session is ` +
          `${((load.rss.peak - load.rss.before) / sessions / MIB).toFixed(2)} MiB with ${subscribers} streams each. ` +
          `${load.events} events in all (${(load.events / sessions).toFixed(0)} per session).`,
        `Where the time goes: during the ${sessions}-session run the server process used ` +
          `${formatMs(load.cpu.main)} of CPU itself and its children (npm test, git) ${formatMs(load.cpu.children)}, ` +
          `in ${formatMs(load.wallMs)} on ${availableParallelism()} cores; its event loop was late by ` +
          `${formatMs(load.loopDelay.p50)} at p50, ${formatMs(load.loopDelay.p99)} at p99, ` +
          `${formatMs(load.loopDelay.max)} at most (alone: p99 ${formatMs(alone.loopDelay.p99)}; ` +
          `bubblewrap run: p99 ${formatMs(bwrap.loopDelay.p99)}). node:sqlite is synchronous, so every ` +
          'store call (one per event append) runs on that same loop, as do the SSE writes and these clients.',
        workerErrors.length === 0
          ? 'The worker reported no errors (no SQLite busy errors or the like).'
          : `The worker reported ${workerErrors.length} errors, e.g.: ${workerErrors.slice(0, 3).join(' | ')}`,
      ],
    };
  },
};
