import { LinearClient, LinearErrorType } from '@linear/sdk';
import { z } from 'zod';
import { BadInputError, describeError, NotFoundError } from '../core/errors.ts';
import type { Tracker, TrackerIssue, TrackerUser } from '../core/ports/tracker.ts';
import { type RateLimitPolicy, withRateLimit } from './rate-limit.ts';

export interface LinearTrackerOptions {
  /** DRYDOCK_LINEAR_API_KEY: a personal API key (or an OAuth app's token) of drydock's Linear user. */
  apiKey: string;
  /** The GraphQL endpoint (tests: a local fake); default Linear's. */
  apiUrl?: string;
  rateLimit?: Omit<RateLimitPolicy, 'waitMs'>;
}

// drydock's own small queries: one round trip each, instead of the SDK models' lazy fetch per relation.
const ISSUE_QUERY = `query DrydockIssue($id: String!) {
  issue(id: $id) {
    id identifier title description url
    assignee { id name }
    team { id key }
    state { id name }
    labels { nodes { name } }
  }
}`;
const STATES_QUERY = `query DrydockTeamStates($id: String!) {
  team(id: $id) { states { nodes { id name } } }
}`;

const IssueAnswer = z.object({
  issue: z
    .object({
      id: z.string(),
      identifier: z.string(),
      title: z.string(),
      description: z.string().nullish(),
      url: z.string(),
      assignee: z.object({ id: z.string(), name: z.string() }).nullish(),
      team: z.object({ id: z.string(), key: z.string() }),
      state: z.object({ id: z.string(), name: z.string() }),
      labels: z.object({ nodes: z.array(z.object({ name: z.string() })) }),
    })
    .nullable(),
});
const StatesAnswer = z.object({
  team: z
    .object({ states: z.object({ nodes: z.array(z.object({ id: z.string(), name: z.string() })) }) })
    .nullable(),
});

/** The `Retry-After` of a rate-limited Linear call, in ms (the SDK's `RatelimitedLinearError`). */
function linearRateLimitMs(error: unknown): number | null {
  if (!(error instanceof Error) || !('type' in error) || error.type !== LinearErrorType.Ratelimited)
    return null;
  const seconds = 'retryAfter' in error && typeof error.retryAfter === 'number' ? error.retryAfter : 1;
  return Math.max(0, seconds) * 1000;
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error) || !('type' in error)) return false;
  return error.type === LinearErrorType.InvalidInput && /not found|entity not found/i.test(error.message);
}

/** Linear through `@linear/sdk` (GraphQL), as drydock's Linear user. */
export function createLinearTracker(options: LinearTrackerOptions): Tracker {
  const client = new LinearClient({
    apiKey: options.apiKey,
    ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
  });
  const policy: RateLimitPolicy = { ...options.rateLimit, waitMs: linearRateLimitMs };
  const call = <T>(what: string, run: () => Promise<T>) => withRateLimit(`Linear ${what}`, policy, run);
  let self: Promise<TrackerUser> | null = null;

  async function fetchIssue(idOrKey: string): Promise<{ issue: TrackerIssue; teamId: string }> {
    let answer: z.infer<typeof IssueAnswer>;
    try {
      const raw = await call('issue', () => client.client.rawRequest(ISSUE_QUERY, { id: idOrKey }));
      answer = IssueAnswer.parse(raw.data);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      answer = { issue: null };
    }
    const issue = answer.issue;
    if (!issue)
      throw new NotFoundError('tracker_issue_not_found', `Linear has no issue ${idOrKey} drydock can see.`);
    return {
      teamId: issue.team.id,
      issue: {
        id: issue.id,
        key: issue.identifier,
        title: issue.title,
        description: issue.description ?? '',
        url: issue.url,
        labels: issue.labels.nodes.map((label) => label.name),
        assignee: issue.assignee ? { id: issue.assignee.id, name: issue.assignee.name } : null,
        project: issue.team.key,
        state: issue.state.name,
      },
    };
  }

  return {
    kind: 'linear',
    self() {
      self ??= call('viewer', async () => {
        const viewer = await client.viewer;
        return { id: viewer.id, name: viewer.name };
      });
      self.catch(() => {
        self = null;
      });
      return self;
    },
    readIssue: async (idOrKey) => (await fetchIssue(idOrKey)).issue,
    async comment(idOrKey, body) {
      const { issue } = await fetchIssue(idOrKey);
      const created = await call('commentCreate', () => client.createComment({ issueId: issue.id, body }));
      if (!created.success) {
        throw new BadInputError('tracker_failed', `Linear refused drydock's comment on ${issue.key}.`);
      }
    },
    async agentActivity(agentSessionId, type, body) {
      const created = await call('agentActivityCreate', () =>
        client.createAgentActivity({ agentSessionId, content: { type, body } }),
      );
      if (!created.success) {
        throw new BadInputError(
          'tracker_failed',
          `Linear refused drydock's activity in agent session ${agentSessionId}.`,
        );
      }
    },
    async agentSessionUrl(agentSessionId, url) {
      // externalUrls replaces the session's links (Linear's agent guide sets the session's page through it).
      const updated = await call('agentSessionUpdate', () =>
        client.updateAgentSession(agentSessionId, { externalUrls: [{ label: 'drydock session', url }] }),
      );
      if (!updated.success) {
        throw new BadInputError(
          'tracker_failed',
          `Linear refused drydock's link on agent session ${agentSessionId}.`,
        );
      }
    },
    async moveTo(idOrKey, state) {
      const { issue, teamId } = await fetchIssue(idOrKey);
      if (issue.state.toLowerCase() === state.toLowerCase()) return true;
      const raw = await call('team states', () => client.client.rawRequest(STATES_QUERY, { id: teamId }));
      const states = StatesAnswer.parse(raw.data).team?.states.nodes ?? [];
      const target = states.find((candidate) => candidate.name.toLowerCase() === state.toLowerCase());
      if (!target) return false;
      try {
        const updated = await call('issueUpdate', () => client.updateIssue(issue.id, { stateId: target.id }));
        return updated.success;
      } catch (error) {
        throw new BadInputError(
          'tracker_failed',
          `Linear refused to move ${issue.key}: ${describeError(error)}`,
          {
            cause: error,
          },
        );
      }
    },
  };
}
