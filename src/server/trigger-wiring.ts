import type { Store } from '../core/ports/store.ts';
import { createCiWatcher } from '../triggers/ci-watch.ts';
import { createPublisher } from '../triggers/publish-delivery.ts';
import { createReviewPublisher } from '../triggers/publish-review.ts';
import { createSlackNotifier } from '../triggers/slack-notifier.ts';
import { createTrackerNotifier } from '../triggers/tracker-notifier.ts';
import { DEFAULT_GITHUB_SETTINGS, type TriggerDeps } from '../triggers/trigger-deps.ts';
import { defaultLogger, reportErrors } from './logger.ts';
import type { ServerDeps, ServerTriggers } from './server-deps.ts';
import { createTrackerConnections, type TrackerConnections } from './tracker-connections.ts';

/** The triggers' deps from the server's: the worker's wake, the publisher's watch, CI follow-up. */
export function triggerDeps(deps: ServerDeps, triggers: ServerTriggers): TriggerDeps {
  const forge = triggers.forge;
  const log = deps.log ?? defaultLogger();
  const wakeFailed = reportErrors(log.child({ component: 'queue' }), 'enqueueing a session failed');
  const wake = (sessionId: string) => {
    // The worker's periodic reconcile enqueues a queued session whose enqueue failed here.
    deps.control.wake(sessionId).catch((error: unknown) => wakeFailed(error, sessionId));
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
      onError: reportErrors(log.child({ component: 'ci' }), 'CI follow-up failed'),
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
      onError: reportErrors(log.child({ component: 'slack' }), 'posting to Slack failed'),
    });
  }
  const notifier = slack?.notifier;
  // Always: a tracker may be connected through the API while the server runs.
  const connections = trackerConnectionsOf(deps.sessions.store, triggers);
  triggers.trackers ??= {};
  const trackers = triggers.trackers;
  if (!trackers.notifier) {
    trackers.notifier = createTrackerNotifier({
      store: deps.sessions.store,
      bus: deps.bus,
      trackers: async (kind) => (await connections.active(kind))?.tracker ?? null,
      publicUrl: triggers.publicUrl,
      onError: reportErrors(log.child({ component: 'trackers' }), 'reporting to an issue tracker failed'),
    });
  }
  const trackerNotifier = trackers.notifier;
  if (forge && !triggers.publisher) {
    triggers.publisher = createPublisher({
      store: deps.sessions.store,
      forge,
      bus: deps.bus,
      publicUrl: triggers.publicUrl,
      onError: reportErrors(log.child({ component: 'publisher' }), 'publishing to the forge failed'),
      onPublished: (sessionId: string, commit: string) => {
        ciWatcher?.watch(sessionId, commit);
        notifier?.published(sessionId);
        trackerNotifier?.published(sessionId);
      },
    });
  }
  const publisher = triggers.publisher;
  const reviews = forge?.reviews;
  if (forge && reviews && !triggers.reviewPublisher) {
    triggers.reviewPublisher = createReviewPublisher({
      store: deps.sessions.store,
      forge: { ...forge, reviews },
      bus: deps.bus,
      publicUrl: triggers.publicUrl,
      onError: reportErrors(log.child({ component: 'publisher' }), 'posting a review to the forge failed'),
    });
  }
  const reviewPublisher = triggers.reviewPublisher;
  return {
    sessions: deps.sessions,
    forge,
    defaultModel: deps.defaultModel,
    ...(deps.defaultFriendModel === undefined ? {} : { defaultFriendModel: deps.defaultFriendModel }),
    publicUrl: triggers.publicUrl,
    github: triggers.github ?? DEFAULT_GITHUB_SETTINGS,
    ...(triggers.gitlab ? { gitlab: triggers.gitlab } : {}),
    ...(triggers.gitea ? { gitea: triggers.gitea } : {}),
    ...(triggers.bitbucket ? { bitbucket: triggers.bitbucket } : {}),
    wake,
    watch: (sessionId) => publisher?.watch(sessionId),
    ...(reviewPublisher ? { watchReview: (sessionId: string) => reviewPublisher.watch(sessionId) } : {}),
    ...(ciWatcher ? { checkCommit: (repo, sha, pulls) => ciWatcher.checkCommit(repo, sha, pulls) } : {}),
  };
}

/**
 * The server's tracker connections (the environment's over the stored ones), created once per triggers and
 * shared by the API, the webhook routes and the notifier, so a change through one is seen by the others.
 */
export function trackerConnectionsOf(store: Store, triggers: ServerTriggers): TrackerConnections {
  triggers.trackerConnections ??= createTrackerConnections({
    store,
    box: triggers.secrets,
    fromEnv: triggers.trackers ?? {},
  });
  return triggers.trackerConnections;
}
