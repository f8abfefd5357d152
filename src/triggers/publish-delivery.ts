import { absoluteDrydockLinks } from '../core/binary-artifact.ts';
import type { EventBus } from '../core/ports/event-bus.ts';
import type { Forge } from '../core/ports/forge.ts';
import type { Store } from '../core/ports/store.ts';
import { isDelivered } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { truncateText } from '../core/truncate.ts';
import {
  decidePublication,
  FORGE_LINK_PREFIXES,
  findForgeLink,
  forgeKey,
  toJsonValue,
} from './forge-link.ts';
import { listReviewLinks, reviewsThatPosted } from './review-link.ts';
import { createSessionQueue, createSessionSubscriptions } from './session-queue.ts';

export interface PublisherDeps {
  store: Store;
  forge: Forge;
  bus: EventBus;
  publicUrl: string;
  draft?: boolean;
  onError?: (error: unknown, sessionId: string) => void;
  /** A commit was pushed and its pull request opened or updated: CI follow-up watches its checks. */
  onPublished?: (sessionId: string, commit: string) => void;
}

export interface Publisher {
  /** Follows a session's events and publishes it to the forge when it ends. Idempotent. */
  watch(sessionId: string): void;
  /** Publishes whatever a session has not published yet (pushed commit, pull request, report). */
  publish(sessionId: string): Promise<void>;
  /** Watches every forge session not yet published: after a restart. */
  start(): Promise<void>;
  /** Resolves when the publications in flight finished (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

/**
 * Takes a delivered session to the forge: the control plane pushes the branch (the session's delivery
 * already made it a branch of the control plane's clone) and opens or updates the pull request with the
 * gate's `pull-request.md`, then says so on the issue. A bow-out or failure is reported on the issue.
 * It runs beside the worker, driven by the event bus, so the runner needs no forge.
 */
export function createPublisher(deps: PublisherDeps): Publisher {
  const subscriptions = createSessionSubscriptions(deps.bus);
  const queue = createSessionQueue(deps.onError);

  async function publish(sessionId: string): Promise<void> {
    const { store, forge } = deps;
    const session = await store.getSession(sessionId);
    if (!session) return;
    const links = await store.listLinks({ sessionId });
    const found = findForgeLink(links);
    if (!found) return;
    const link = found.data;
    const action = decidePublication(session, link);
    if (action === 'none') return;
    const url = `${deps.publicUrl.replace(/\/+$/, '')}/sessions/${session.id}`;
    if (action === 'report') {
      const what = session.state === 'bowed_out' ? 'bowed out' : 'failed';
      await forge.comment(
        link.repo,
        link.issue!,
        `drydock ${what}: ${session.reason ?? 'see the report'}\n\n${url}`,
      );
      await store.linkSession(
        found.key,
        session.id,
        toJsonValue({ ...link, reported: `${session.state}@${session.updatedAt}` }),
      );
      return;
    }
    // 'publish' is for a delivered session only (decidePublication).
    if (!isDelivered(session)) return;
    if (link.pushTo && link.pull !== undefined) {
      // A fix on someone's pull request: its own branch moves on; no drydock branch, no other pull request.
      await forge.push(link.repo, {
        from: session.repo,
        branch: link.pushTo.branch,
        commit: session.headCommit,
        ...(link.pushTo.repo.toLowerCase() === link.repo.toLowerCase() ? {} : { toRepo: link.pushTo.repo }),
      });
      // The fix of a review finding is on the pull request: the reviews that posted it record it acted on, once
      // (its first push; a follow-up's push fixes no new finding). Before the save, so a cut-short publication
      // records it when it runs again.
      if (link.fixes !== undefined && link.publishedCommit === undefined) {
        const reviews = await listReviewLinks(store, link.repo, link.pull);
        for (const review of reviewsThatPosted(reviews, [link.fixes])) {
          await store.record(review.sessionId, {
            events: [
              {
                type: 'review.findings_resolved',
                keys: review.keys,
                how: 'fixed',
                by: session.id,
                commit: session.headCommit,
              },
            ],
          });
        }
      }
      await store.linkSession(
        found.key,
        session.id,
        toJsonValue({ ...link, publishedCommit: session.headCommit }),
      );
      deps.onPublished?.(session.id, session.headCommit);
      await forge.comment(
        link.repo,
        link.pull,
        `drydock pushed ${session.headCommit.slice(0, 12)} to ${link.pushTo.branch}: ${session.summary ?? 'the fix'}\n\n${url}`,
        'pull',
      );
      return;
    }
    await forge.push(link.repo, { from: session.repo, branch: session.branch, commit: session.headCommit });
    const artifacts = await store.listArtifacts(session.id);
    const description = artifacts.filter((artifact) => artifact.name === 'pull-request.md').at(-1);
    const body = description
      ? ((await store.getArtifact(description.id))?.content ?? '')
      : (session.summary ?? '');
    const pull = await forge.openOrUpdatePullRequest(link.repo, {
      branch: session.branch,
      base: link.base,
      title: pullTitle(session.task),
      body: `${absoluteDrydockLinks(body, deps.publicUrl)}\n\n---\ndrydock session: ${url}${link.issue ? `\nCloses #${link.issue}` : ''}`,
      draft: deps.draft ?? false,
    });
    await store.linkSession(forgeKey(link.repo, pull.number, 'pull'), session.id, { pull: pull.number });
    await store.linkSession(
      found.key,
      session.id,
      toJsonValue({ ...link, pull: pull.number, pullUrl: pull.url, publishedCommit: session.headCommit }),
    );
    deps.onPublished?.(session.id, session.headCommit);
    if (link.pull === undefined && link.issue !== null) {
      await forge.comment(link.repo, link.issue, `drydock opened ${pull.url}`);
    } else if (link.pull !== undefined) {
      await forge.comment(
        link.repo,
        pull.number,
        `drydock pushed ${session.headCommit.slice(0, 12)} for the follow-up.`,
        'pull',
      );
    }
  }

  /** One publication at a time per session; failures are reported, never thrown at the bus. */
  const schedule = (sessionId: string): Promise<void> => queue.enqueue(sessionId, () => publish(sessionId));

  return {
    watch(sessionId) {
      subscriptions.watch(sessionId, (event) => {
        if (event.data.type === 'state.changed' && isTerminal(event.data.to)) void schedule(sessionId);
      });
    },
    publish: (sessionId) => schedule(sessionId),
    async start() {
      for (const prefix of FORGE_LINK_PREFIXES) {
        for (const link of await deps.store.listLinks({ prefix })) {
          if (!link.key.includes('@')) continue;
          this.watch(link.sessionId);
          void schedule(link.sessionId);
        }
      }
    },
    idle: () => queue.idle(),
    stop: () => subscriptions.stop(),
  };
}

/** The first line of the task, as a pull request title (at most 72 characters). Pure. */
export function pullTitle(task: string): string {
  const line =
    task
      .split('\n')
      .find((each) => each.trim() !== '')
      ?.trim() ?? 'drydock change';
  const title = line.replace(/^Issue:\s*/, '');
  return truncateText(title, 72);
}
