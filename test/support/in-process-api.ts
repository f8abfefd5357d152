import { afterEach, beforeEach, expect } from 'vitest';
import type { TokenRole } from '../../src/core/ports/store.ts';
import { createInProcessQueue } from '../../src/queue/in-process-queue.ts';
import { createApp } from '../../src/server/app.ts';
import { createInProcessEventBus } from '../../src/server/event-bus.ts';
import { createSessionControl } from '../../src/server/session-control.ts';
import { conformingRequest } from './openapi-conformance.ts';
import { createHarness, type Harness } from './server-harness.ts';

type App = ReturnType<typeof createApp>;

export interface CallOptions {
  /** Whose token goes in the authorization header: `member` unless given; null sends none. */
  role?: TokenRole | null;
  body?: unknown;
  /** A body sent as it is (not JSON-encoded), for malformed and oversized ones. */
  raw?: string;
  headers?: Record<string, string>;
}

/** The API app of the running test, over a fresh harness; read it inside tests and hooks only. */
export interface InProcessApi {
  readonly h: Harness;
  /** The app `call` talks to; a test may replace it (with `build(false)`, or one with other deps). */
  app: App;
  /** How often the app woke the worker in this test. */
  readonly wakes: number;
  /** The queue wakes enqueue on; no worker takes from it, so sessions stay queued. */
  readonly queue: ReturnType<typeof createInProcessQueue>;
  /** A new app on this test's harness and queue, counting wakes. */
  build(allowScriptModels: boolean): App;
  /** A request to `app`, checked against the route's declared (and documented) statuses and schemas. */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  /** Creates a session on the registered sample repository (201 expected) as the member. */
  create(body?: Record<string, unknown>): Promise<{ id: string; state: string }>;
}

interface Running {
  h: Harness;
  app: App;
  wakes: number;
  queue: ReturnType<typeof createInProcessQueue>;
}

/**
 * Registers hooks that give each test of the calling file a fresh harness (sample repository
 * registered, a token per role) and an app that allows script: models, with no worker in the process.
 */
export function useInProcessApi(): InProcessApi {
  let running: Running | null = null;
  const now = (): Running => {
    if (!running) throw new Error('useInProcessApi: read the API inside a test or a hook, not at load time.');
    return running;
  };

  const appFor = (h: Harness, queue: Running['queue'], allowScriptModels: boolean): App => {
    const bus = createInProcessEventBus();
    // No worker in this process: wake enqueues and cancel is real, sessions stay queued.
    const control = createSessionControl({ store: h.store, queue, worker: null });
    return createApp({
      sessions: h.deps,
      bus,
      control: {
        wake: async (id) => {
          now().wakes += 1;
          await control.wake(id);
        },
        cancel: (id) => control.cancel(id),
      },
      defaultModel: 'script:demo',
      allowScriptModels,
      version: '0.0.0-test',
      keepAliveMs: 50,
      eventPollMs: 50,
    });
  };

  const build = (allowScriptModels: boolean): App => appFor(now().h, now().queue, allowScriptModels);

  const call = (method: string, path: string, options: CallOptions = {}) => {
    const { h, app } = now();
    const headers: Record<string, string> = { ...options.headers };
    const role = options.role === undefined ? 'member' : options.role;
    if (role) headers.authorization = `Bearer ${h.tokens[role]}`;
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    return conformingRequest(app)(path, { method, headers, ...(body === undefined ? {} : { body }) });
  };

  const create = async (body: Record<string, unknown> = {}) => {
    const response = await call('POST', '/api/sessions', {
      body: { repo: now().h.repo, task: 'fix mean()', ...body },
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; state: string };
  };

  beforeEach(async () => {
    const h = await createHarness();
    const queue = createInProcessQueue();
    running = { h, wakes: 0, queue, app: appFor(h, queue, true) };
    await h.register();
  });
  afterEach(async () => {
    await running?.h.close();
    running = null;
  });

  return {
    get h() {
      return now().h;
    },
    get app() {
      return now().app;
    },
    set app(app: App) {
      now().app = app;
    },
    get wakes() {
      return now().wakes;
    },
    get queue() {
      return now().queue;
    },
    build,
    call,
    create,
  };
}
