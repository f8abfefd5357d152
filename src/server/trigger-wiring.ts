import { createPublisher } from '../triggers/publish-delivery.ts';
import { DEFAULT_GITHUB_SETTINGS, type TriggerDeps } from '../triggers/trigger-deps.ts';
import type { ServerDeps, ServerTriggers } from './server-deps.ts';

/** The triggers' deps from the server's: the worker's wake, and the publisher's watch. */
export function triggerDeps(deps: ServerDeps, triggers: ServerTriggers): TriggerDeps {
  const forge = triggers.forge;
  if (forge && !triggers.publisher) {
    triggers.publisher = createPublisher({
      store: deps.sessions.store,
      forge,
      bus: deps.bus,
      publicUrl: triggers.publicUrl,
      onError: (error, sessionId) => console.error(`drydock publisher (${sessionId}):`, error),
    });
  }
  const publisher = triggers.publisher;
  return {
    sessions: deps.sessions,
    forge,
    defaultModel: deps.defaultModel,
    publicUrl: triggers.publicUrl,
    github: triggers.github ?? DEFAULT_GITHUB_SETTINGS,
    wake: (sessionId) => {
      // The worker's periodic reconcile enqueues a queued session whose enqueue failed here.
      deps.control
        .wake(sessionId)
        .catch((error: unknown) => console.error(`drydock queue (${sessionId}):`, error));
    },
    watch: (sessionId) => publisher?.watch(sessionId),
  };
}
