import type { SessionDeps } from '../sessions/session-deps.ts';
import { type EmbeddedOptions, openEmbedded } from './cli-context.ts';

/** What `drydock up` hands its worker thread (plain data: it is cloned into the thread). */
export interface WorkerDepsInput {
  env: Record<string, string>;
  cwd: string;
  options: EmbeddedOptions;
}

/**
 * The session deps of `drydock up`'s worker thread (src/server/worker-thread.ts loads this module in
 * the thread): the same embedded wiring as the process's, with a store connection of its own.
 */
export function openWorkerDeps(input: WorkerDepsInput): Promise<SessionDeps> {
  return openEmbedded(input.env, input.cwd, input.options);
}

/** The module the worker thread loads `openWorkerDeps` from. */
export const WORKER_DEPS_MODULE = import.meta.url;
