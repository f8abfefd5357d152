import type { EventBus } from '../core/ports/event-bus.ts';
import type { ApiToken } from '../core/ports/store.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import type { StorePoller } from './store-poller.ts';
import type { SessionControl } from './worker.ts';

/** What the HTTP app is wired with. */
export interface ServerDeps {
  sessions: SessionDeps;
  bus: EventBus;
  /** The worker's controls: wake on a new session, cancel. */
  control: SessionControl;
  /** Feeds the bus with events other processes write; created from store and bus when absent. */
  poller?: StorePoller;
  /** The model of a session whose request names none. */
  defaultModel: string;
  /** Whether `script:` models (which read a file on the server) are accepted. */
  allowScriptModels: boolean;
  version: string;
  /** Between SSE keep-alive comments; default 15 s. */
  keepAliveMs?: number;
  /** How often the store poller reads a followed session's log; default 1 s. */
  eventPollMs?: number;
  /** A built web UI (web/dist) to serve at `/`, or none. */
  webRoot?: string | null;
}

/** Hono's typed context: the authenticated token. */
export interface AppEnv {
  Variables: { token: ApiToken };
}
