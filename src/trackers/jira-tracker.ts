import { createCloudClient, isNotFoundError, isRateLimitError } from 'jira.js';
import { z } from 'zod';
import { adfToText, textToAdf } from '../core/adf.ts';
import { NotFoundError } from '../core/errors.ts';
import type { Tracker, TrackerUser } from '../core/ports/tracker.ts';
import { type RateLimitPolicy, withRateLimit } from './rate-limit.ts';

export interface JiraTrackerOptions {
  /** DRYDOCK_JIRA_URL: the site, `https://your-domain.atlassian.net` (tests: a local fake). */
  host: string;
  /** DRYDOCK_JIRA_EMAIL and DRYDOCK_JIRA_API_TOKEN: drydock's Atlassian account and its API token. */
  email: string;
  apiToken: string;
  rateLimit?: Omit<RateLimitPolicy, 'waitMs'>;
}

// What drydock reads of an issue, checked here rather than trusting every field the client types as optional.
const IssueFields = z.object({
  id: z.string(),
  key: z.string(),
  fields: z.object({
    summary: z.string(),
    description: z.unknown().optional(),
    labels: z.array(z.string()).default([]),
    assignee: z.object({ accountId: z.string(), displayName: z.string().optional() }).nullish(),
    status: z.object({ name: z.string() }),
    project: z.object({ key: z.string() }),
  }),
});

function jiraRateLimitMs(error: unknown): number | null {
  if (!isRateLimitError(error)) return null;
  return error.retryAfterMs ?? 1000;
}

/** Jira Cloud through `jira.js` (REST v3, ADF bodies), as drydock's Atlassian account. */
export function createJiraTracker(options: JiraTrackerOptions): Tracker {
  const host = options.host.replace(/\/+$/, '');
  const jira = createCloudClient({
    host,
    auth: { type: 'basic', email: options.email, apiToken: options.apiToken },
    // Rate limits are waited out below, with the rest of the policy; the client retries gateway errors.
    retry: { maxAttempts: 2, initialDelayMs: 200 },
    // drydock checks the fields it reads itself; Jira's many optional fields should not fail a call.
    onSchemaMismatch: 'silent',
  });
  const policy: RateLimitPolicy = { ...options.rateLimit, waitMs: jiraRateLimitMs };
  const call = <T>(what: string, run: () => Promise<T>) => withRateLimit(`Jira ${what}`, policy, run);
  let self: Promise<TrackerUser> | null = null;

  async function read(idOrKey: string) {
    try {
      const raw = await call('get issue', () =>
        jira.issues.getIssue({
          issueIdOrKey: idOrKey,
          fields: ['summary', 'description', 'labels', 'assignee', 'status', 'project'],
        }),
      );
      return IssueFields.parse(raw);
    } catch (error) {
      if (isNotFoundError(error)) {
        throw new NotFoundError('tracker_issue_not_found', `Jira has no issue ${idOrKey} drydock can see.`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  return {
    kind: 'jira',
    self() {
      self ??= call('myself', async () => {
        const me = await jira.myself.getCurrentUser();
        if (!me.accountId) throw new Error('Jira /myself returned no accountId for drydock’s API token.');
        return { id: me.accountId, name: me.displayName ?? me.accountId };
      });
      self.catch(() => {
        self = null;
      });
      return self;
    },
    async readIssue(idOrKey) {
      const issue = await read(idOrKey);
      const { fields } = issue;
      return {
        id: issue.id,
        key: issue.key,
        title: fields.summary,
        description: adfToText(fields.description),
        url: `${host}/browse/${issue.key}`,
        labels: fields.labels,
        assignee: fields.assignee
          ? { id: fields.assignee.accountId, name: fields.assignee.displayName ?? fields.assignee.accountId }
          : null,
        project: fields.project.key,
        state: fields.status.name,
      };
    },
    async comment(idOrKey, body) {
      await call('add comment', () =>
        jira.issueComments.addComment({ issueIdOrKey: idOrKey, body: textToAdf(body) }),
      );
    },
    async moveTo(idOrKey, state) {
      const issue = await read(idOrKey);
      const wanted = state.toLowerCase();
      if (issue.fields.status.name.toLowerCase() === wanted) return true;
      const { transitions = [] } = await call('get transitions', () =>
        jira.issues.getTransitions({ issueIdOrKey: issue.key }),
      );
      // A transition is found by the status it leads to (what mappings name), else by its own name.
      const transition =
        transitions.find((candidate) => candidate.to?.name?.toLowerCase() === wanted) ??
        transitions.find((candidate) => candidate.name?.toLowerCase() === wanted);
      if (!transition?.id) return false;
      const id = transition.id;
      await call('transition', () =>
        jira.issues.doTransition({ issueIdOrKey: issue.key, transition: { id } }),
      );
      return true;
    },
  };
}
