import { QueryClient } from '@tanstack/react-query';
import type { SessionState } from './types.ts';

/**
 * The UI's one cache of server state. An error shows at once and the next poll or reload tries again,
 * as the API's errors are mostly answers (403, 404, 400) that a retry would only delay.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
}

/** One key per resource, so a page that changes a resource can invalidate every view of it. */
export const queryKeys = {
  me: ['me'] as const,
  /** Every session list; a filtered one is below it, so invalidating this refreshes them all. */
  sessions: ['sessions'] as const,
  sessionList: (state: SessionState | '', repo = '', q = '') => ['sessions', { state, repo, q }] as const,
  session: (id: string) => ['session', id] as const,
  /** Every view of a session's attempts or children; one session's is below it. */
  trees: ['children'] as const,
  children: (id: string) => ['children', id] as const,
  diff: (id: string, version: string) => ['diff', id, version] as const,
  commits: (id: string, version: string) => ['commits', id, version] as const,
  pullRequest: (id: string) => ['pull-request', id] as const,
  artifact: (sessionId: string, artifactId: string) => ['artifact', sessionId, artifactId] as const,
  repos: ['repos'] as const,
  branches: (repoId: string) => ['repos', repoId, 'branches'] as const,
  /** The server's playbooks; every repository's listing is below it, so a change there refreshes them too. */
  serverPlaybooks: ['playbooks'] as const,
  playbooks: (repo: string) => ['playbooks', repo] as const,
  models: ['models'] as const,
  knowledge: ['knowledge'] as const,
  schedules: ['schedules'] as const,
  slackChannels: ['slack-channels'] as const,
  trackers: ['trackers'] as const,
  /** Below trackers: a change to a connection refreshes which trackers are configured too. */
  trackerConnections: ['trackers', 'connections'] as const,
  hooks: ['hooks'] as const,
  limits: ['limits'] as const,
  /** Every evaluation view; a run's page is below it. */
  evals: ['evals'] as const,
  analytics: (query: string) => ['analytics', query] as const,
  evalRun: (id: string) => ['evals', id] as const,
};

/** How often each polled view asks again while the tab is visible. */
export const pollMs = {
  sessions: 3000,
  /**
   * A live parent's children, for the states they pass through between the parent's `child.*` events
   * (which refetch them at once).
   */
  children: 10_000,
  settings: 10_000,
  repos: 30_000,
  me: 60_000,
  /** Evaluation runs while one is running; else runs change only when a new one starts. */
  evals: 5000,
  evalsIdle: 30_000,
};
