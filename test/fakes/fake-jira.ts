import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adfToText } from '../../src/core/adf.ts';

/**
 * A fake of the Jira Cloud platform REST API v3 endpoints drydock calls, on port 0: `GET /myself`,
 * `GET /issue/{idOrKey}`, `POST /issue/{idOrKey}/comment` (an ADF body), `GET` and `POST
 * /issue/{idOrKey}/transitions`. Basic auth with an account's email and API token, as Atlassian takes it;
 * errors in Jira's `{ errorMessages, errors }` shape; `rateLimit(n, seconds)` answers the next n requests
 * with 429 and `Retry-After`, as Jira does over its limits.
 */
export interface FakeJiraIssue {
  id: string;
  key: string;
  summary: string;
  /** ADF, as v3 returns it. */
  description: unknown;
  projectKey: string;
  status: string;
  labels: string[];
  assigneeId: string | null;
}

export interface FakeJira {
  /** The site (`DRYDOCK_JIRA_URL`). */
  url: string;
  self: { accountId: string; displayName: string };
  issues: Map<string, FakeJiraIssue>;
  /** Comments drydock posted: their ADF bodies, in order. */
  comments: Array<{ issueId: string; body: unknown }>;
  /** Every request: method and path. */
  requests: string[];
  addIssue(issue: Omit<FakeJiraIssue, 'id' | 'status'> & { status?: string }): FakeJiraIssue;
  rateLimit(requests: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

/** The statuses of the fake's one workflow, each reachable from every other (global transitions). */
const WORKFLOW = [
  { id: '10000', name: 'To Do', category: 'new', transition: { id: '11', name: 'Back to do' } },
  {
    id: '3',
    name: 'In Progress',
    category: 'indeterminate',
    transition: { id: '21', name: 'Start progress' },
  },
  {
    id: '10001',
    name: 'In Review',
    category: 'indeterminate',
    transition: { id: '31', name: 'Ready for review' },
  },
  { id: '10002', name: 'Done', category: 'done', transition: { id: '41', name: 'Done' } },
];

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeJira(options: { email: string; apiToken: string }): Promise<FakeJira> {
  let counter = 10_000;
  let limited = 0;
  let retryAfter = 1;
  const self = { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'drydock' };
  const issues = new Map<string, FakeJiraIssue>();
  const comments: Array<{ issueId: string; body: unknown }> = [];
  const requests: string[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${options.email}:${options.apiToken}`).toString('base64')}`;
  let base = '';

  const find = (idOrKey: string) =>
    issues.get(idOrKey) ?? [...issues.values()].find((issue) => issue.key === idOrKey.toUpperCase());
  const user = (accountId: string) => ({
    self: `${base}/rest/api/3/user?accountId=${accountId}`,
    accountId,
    accountType: 'atlassian',
    displayName: accountId === self.accountId ? self.displayName : `user ${accountId}`,
    active: true,
    timeZone: 'Etc/UTC',
  });
  const statusView = (name: string) => {
    const status = WORKFLOW.find((candidate) => candidate.name === name) ?? WORKFLOW[0]!;
    return {
      self: `${base}/rest/api/3/status/${status.id}`,
      id: status.id,
      name: status.name,
      description: '',
      statusCategory: { id: 2, key: status.category, name: status.category, colorName: 'blue-gray' },
    };
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', base);
    requests.push(`${request.method} ${url.pathname}`);
    const answer = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      });
      response.end(json === undefined ? undefined : JSON.stringify(json));
    };
    const body = await readBody(request);
    if (request.headers.authorization !== expectedAuth) {
      answer(401, { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} });
      return;
    }
    if (limited > 0) {
      limited--;
      answer(
        429,
        { errorMessages: ['Rate limit exceeded.'], errors: {} },
        { 'retry-after': String(retryAfter) },
      );
      return;
    }
    const path = url.pathname.replace(/^\/rest\/api\/3/, '');
    if (request.method === 'GET' && path === '/myself') {
      answer(200, { ...user(self.accountId), emailAddress: options.email });
      return;
    }
    const match = /^\/issue\/([^/]+)(\/comment|\/transitions)?$/.exec(path);
    const issue = match ? find(decodeURIComponent(match[1]!)) : undefined;
    if (match && !issue) {
      answer(404, {
        errorMessages: ['Issue does not exist or you do not have permission to see it.'],
        errors: {},
      });
      return;
    }
    if (!match || !issue) {
      answer(404, { errorMessages: [`No route ${request.method} ${url.pathname}`], errors: {} });
      return;
    }
    const what = match[2] ?? '';
    if (request.method === 'GET' && what === '') {
      answer(200, {
        expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
        id: issue.id,
        self: `${base}/rest/api/3/issue/${issue.id}`,
        key: issue.key,
        fields: {
          summary: issue.summary,
          description: issue.description,
          labels: issue.labels,
          assignee: issue.assigneeId ? user(issue.assigneeId) : null,
          status: statusView(issue.status),
          project: {
            self: `${base}/rest/api/3/project/10000`,
            id: '10000',
            key: issue.projectKey,
            name: issue.projectKey,
            projectTypeKey: 'software',
          },
        },
      });
      return;
    }
    if (request.method === 'POST' && what === '/comment') {
      const parsed = JSON.parse(body) as { body?: { type?: string; content?: unknown } };
      if (parsed.body?.type !== 'doc' || !Array.isArray(parsed.body.content)) {
        answer(400, { errorMessages: [], errors: { comment: 'Comment body can not be empty!' } });
        return;
      }
      comments.push({ issueId: issue.id, body: parsed.body });
      const id = String(++counter);
      answer(201, {
        self: `${base}/rest/api/3/issue/${issue.id}/comment/${id}`,
        id,
        author: user(self.accountId),
        body: parsed.body,
        created: new Date().toISOString(),
        updated: new Date().toISOString(),
        jsdPublic: true,
      });
      return;
    }
    if (request.method === 'GET' && what === '/transitions') {
      answer(200, {
        expand: 'transitions',
        transitions: WORKFLOW.filter((status) => status.name !== issue.status).map((status) => ({
          id: status.transition.id,
          name: status.transition.name,
          to: statusView(status.name),
          hasScreen: false,
          isGlobal: true,
          isInitial: false,
          isAvailable: true,
          isConditional: false,
          isLooped: false,
        })),
      });
      return;
    }
    if (request.method === 'POST' && what === '/transitions') {
      const parsed = JSON.parse(body) as { transition?: { id?: string } };
      const target = WORKFLOW.find(
        (status) => status.transition.id === parsed.transition?.id && status.name !== issue.status,
      );
      if (!target) {
        answer(400, { errorMessages: ['Transition id is not valid for this issue.'], errors: {} });
        return;
      }
      issue.status = target.name;
      answer(204);
      return;
    }
    answer(405, { errorMessages: ['Method not allowed'], errors: {} });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    self,
    issues,
    comments,
    requests,
    addIssue(input) {
      const issue: FakeJiraIssue = { ...input, id: String(++counter), status: input.status ?? 'To Do' };
      issues.set(issue.id, issue);
      return issue;
    },
    rateLimit(requestCount, seconds) {
      limited = requestCount;
      retryAfter = seconds;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A comment's ADF body as plain text (tests). */
export const commentText = (body: unknown): string => adfToText(body);
