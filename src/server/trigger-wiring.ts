import { createCiWatcher } from '../triggers/ci-watch.ts';
import { createPublisher } from '../triggers/publish-delivery.ts';
import { createSlackNotifier } from '../triggers/slack-notifier.ts';
import { DEFAULT_GITHUB_SETTINGS, type TriggerDeps } from '../triggers/trigger-deps.ts';
import type { ServerDeps, ServerTriggers } from './server-deps.ts';

/** The triggers' deps from the server's: the worker's wake, the publisher's watch, CI follow-up. */
export function triggerDeps(deps: ServerDeps, triggers: ServerTriggers): TriggerDeps {
  const forge = triggers.forge;
  const wake = (sessionId: string) => {
    // The worker's periodic reconcile enqueues a queued session whose enqueue failed here.
    deps.control
      .wake(sessionId)
      .catch((error: unknown) => console.error(`drydock queue (${sessionId}):`, error));
  };
  if (forge && !triggers.ciWatcher && !triggers.ci?.disabled) {
    triggers.ciWatcher = createCiWatcher({
      store: deps.sessions.store,
      forge,
      // The fixing turn's delivery is published like any other.
      wake: (sessionId) => {
        triggers.publisher?.watch(sessionId);
        wake(sessionId);
      },
      ...(triggers.ci?.clock ? { clock: triggers.ci.clock } : {}),
      ...(triggers.ci?.maxFollowUps !== undefined ? { maxFollowUps: triggers.ci.maxFollowUps } : {}),
      ...(triggers.ci?.delaysMs ? { delaysMs: triggers.ci.delaysMs } : {}),
      onError: (error, sessionId) => console.error(`drydock CI follow-up (${sessionId}):`, error),
    });
  }
  const ciWatcher = triggers.ciWatcher;
  const slack = triggers.slack;
  if (slack && !slack.notifier) {
    slack.notifier = createSlackNotifier({
      store: deps.sessions.store,
      bus: deps.bus,
      client: slack.client,
      publicUrl: triggers.publicUrl,
      onError: (error, sessionId) => console.error(`drydock Slack (${sessionId}):`, error),
    });
  }
  const notifier = slack?.notifier;
  if (forge && !triggers.publisher) {
    triggers.publisher = createPublisher({
      store: deps.sessions.store,
      forge,
      bus: deps.bus,
      publicUrl: triggers.publicUrl,
      onError: (error, sessionId) => console.error(`drydock publisher (${sessionId}):`, error),
      onPublished: (sessionId: string, commit: string) => {
        ciWatcher?.watch(sessionId, commit);
        notifier?.published(sessionId);
      },
    });
  }
  const publisher = triggers.publisher;
  return {
    sessions: deps.sessions,
    forge,
    defaultModel: deps.defaultModel,
    publicUrl: triggers.publicUrl,
    github: triggers.github ?? DEFAULT_GITHUB_SETTINGS,
    wake,
    watch: (sessionId) => publisher?.watch(sessionId),
    ...(ciWatcher ? { checkCommit: (repo, sha, pulls) => ciWatcher.checkCommit(repo, sha, pulls) } : {}),
  };
}
