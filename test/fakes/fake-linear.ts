import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, GraphQLError, parse } from 'graphql';

/**
 * A fake of Linear's GraphQL API (https://api.linear.app/graphql) on port 0: the part of Linear's schema drydock
 * reads and writes (viewer, issue, team states, commentCreate, issueUpdate, agentActivityCreate, agentSessionUpdate), with the field names of Linear's
 * published SDL. Queries run through graphql-js against that schema, so the SDK's own documents work; fields
 * outside it are left out of answers, as a client asking for them would see nulls. Personal API keys go in
 * `Authorization` bare, as Linear takes them. `rateLimit(n, seconds)` answers the next n requests the way Linear
 * does when a key is over its budget: HTTP 429, `Retry-After`, an error of type `ratelimited`.
 */
const SCHEMA = buildSchema(`
  type Query {
    viewer: User!
    issue(id: String!): Issue!
    team(id: String!): Team!
  }
  scalar JSONObject
  type Mutation {
    agentActivityCreate(input: AgentActivityCreateInput!): AgentActivityPayload!
    agentSessionUpdate(id: String!, input: AgentSessionUpdateInput!): AgentSessionPayload!
    commentCreate(input: CommentCreateInput!): CommentPayload!
    issueUpdate(id: String!, input: IssueUpdateInput!): IssuePayload!
  }
  type User { id: String! name: String! displayName: String! email: String! active: Boolean! }
  type Team { id: String! key: String! name: String! states: WorkflowStateConnection! }
  type WorkflowStateConnection { nodes: [WorkflowState!]! }
  type WorkflowState { id: String! name: String! type: String! position: Float! }
  type IssueLabel { id: String! name: String! }
  type IssueLabelConnection { nodes: [IssueLabel!]! }
  type Issue {
    id: String!
    identifier: String!
    title: String!
    description: String
    url: String!
    assignee: User
    team: Team!
    state: WorkflowState!
    labels: IssueLabelConnection!
  }
  type Comment { id: String! body: String! }
  type CommentPayload { success: Boolean! lastSyncId: Float! comment: Comment }
  type IssuePayload { success: Boolean! lastSyncId: Float! issue: Issue }
  type AgentActivity { id: String! content: JSONObject! }
  type AgentActivityPayload { success: Boolean! lastSyncId: Float! agentActivity: AgentActivity! }
  input AgentActivityCreateInput { agentSessionId: String! content: JSONObject! ephemeral: Boolean }
  type AgentSession { id: String! }
  type AgentSessionPayload { success: Boolean! lastSyncId: Float! agentSession: AgentSession! }
  input AgentSessionExternalUrlInput { label: String! url: String! }
  input AgentSessionUpdateInput {
    externalLink: String
    externalUrls: [AgentSessionExternalUrlInput!]
    addedExternalUrls: [AgentSessionExternalUrlInput!]
    removedExternalUrls: [String!]
    plan: JSONObject
    summary: String
  }
  input CommentCreateInput { issueId: String body: String id: String parentId: String }
  input IssueUpdateInput { stateId: String assigneeId: String delegateId: String title: String }
`);

export interface FakeLinearState {
  id: string;
  name: string;
  type: 'unstarted' | 'started' | 'completed' | 'canceled' | 'backlog';
}

export interface FakeLinearIssue {
  id: string;
  identifier: string;
  title: string;
  description: string | null;
  teamId: string;
  stateId: string;
  assigneeId: string | null;
  labels: string[];
}

export interface ExternalUrl {
  label: string;
  url: string;
}

export interface FakeLinear {
  /** The GraphQL endpoint (the SDK's `apiUrl`). */
  url: string;
  viewer: { id: string; name: string };
  users: Map<string, { id: string; name: string }>;
  teams: Map<string, { id: string; key: string; name: string; states: FakeLinearState[] }>;
  issues: Map<string, FakeLinearIssue>;
  /** Comments drydock posted, in order. */
  comments: Array<{ issueId: string; body: string }>;
  /** Agent activities drydock posted, in order. */
  activities: Array<{ agentSessionId: string; type: string; body: string }>;
  /** Agent sessions drydock updated: their external URLs as `agentSessionUpdate` left them. */
  agentSessions: Map<string, { externalUrls: ExternalUrl[] }>;
  /** Agent sessions another app owns: Linear refuses to update them (only the owning OAuth app may). */
  foreignAgentSessions: Set<string>;
  /** Every request's operation name, in order (rate-limited ones included). */
  operations: string[];
  addIssue(issue: Omit<FakeLinearIssue, 'id' | 'stateId'> & { id?: string; state?: string }): FakeLinearIssue;
  stateName(issueId: string): string;
  rateLimit(requests: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeLinear(options: { apiKey: string }): Promise<FakeLinear> {
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}-${(++counter).toString().padStart(4, '0')}-fake-uuid`;
  let limited = 0;
  let retryAfter = 1;
  let syncId = 1000;
  const viewer = { id: 'user-drydock-0001', name: 'drydock' };
  const users = new Map([[viewer.id, viewer]]);
  const defaultStates = (): FakeLinearState[] => [
    { id: nextId('state'), name: 'Backlog', type: 'backlog' },
    { id: nextId('state'), name: 'Todo', type: 'unstarted' },
    { id: nextId('state'), name: 'In Progress', type: 'started' },
    { id: nextId('state'), name: 'In Review', type: 'started' },
    { id: nextId('state'), name: 'Done', type: 'completed' },
  ];
  const teams = new Map([
    ['team-eng-0001', { id: 'team-eng-0001', key: 'ENG', name: 'Engineering', states: defaultStates() }],
  ]);
  const issues = new Map<string, FakeLinearIssue>();
  const comments: Array<{ issueId: string; body: string }> = [];
  const operations: string[] = [];
  const activities: Array<{ agentSessionId: string; type: string; body: string }> = [];
  const agentSessions = new Map<string, { externalUrls: ExternalUrl[] }>();
  const foreignAgentSessions = new Set<string>();

  const findIssue = (id: string): FakeLinearIssue => {
    const issue = issues.get(id) ?? [...issues.values()].find((candidate) => candidate.identifier === id);
    if (!issue) {
      throw new GraphQLError('Entity not found: Issue', {
        extensions: {
          type: 'invalid input',
          code: 'INPUT_ERROR',
          userPresentableMessage: 'Could not find referenced Issue.',
        },
      });
    }
    return issue;
  };
  const teamOf = (teamId: string) => {
    const team = teams.get(teamId);
    if (!team)
      throw new GraphQLError('Entity not found: Team', {
        extensions: { type: 'invalid input', code: 'INPUT_ERROR' },
      });
    return team;
  };
  const issueView = (issue: FakeLinearIssue) => {
    const team = teamOf(issue.teamId);
    const state = team.states.find((candidate) => candidate.id === issue.stateId);
    return {
      ...issue,
      url: `https://linear.app/acme/issue/${issue.identifier}/${issue.title.toLowerCase().replace(/\W+/g, '-')}`,
      assignee: issue.assigneeId ? users.get(issue.assigneeId) : null,
      team: teamView(team),
      state: state ? { ...state, position: 0 } : null,
      labels: { nodes: issue.labels.map((name) => ({ id: `label-${name}`, name })) },
    };
  };
  const teamView = (team: { id: string; key: string; name: string; states: FakeLinearState[] }) => ({
    ...team,
    states: { nodes: team.states.map((state, position) => ({ ...state, position })) },
  });
  const userView = (user: { id: string; name: string }) => ({
    ...user,
    displayName: user.name,
    email: `${user.name}@example.com`,
    active: true,
  });

  const root = {
    viewer: () => userView(viewer),
    issue: ({ id }: { id: string }) => issueView(findIssue(id)),
    team: ({ id }: { id: string }) => teamView(teamOf(id)),
    agentActivityCreate: ({
      input,
    }: {
      input: { agentSessionId: string; content: Record<string, unknown> };
    }) => {
      const { type, body } = input.content;
      if (typeof type !== 'string' || typeof body !== 'string') {
        throw new GraphQLError('Invalid activity content', {
          extensions: { type: 'invalid input', code: 'INPUT_ERROR' },
        });
      }
      activities.push({ agentSessionId: input.agentSessionId, type, body });
      return {
        success: true,
        lastSyncId: ++syncId,
        agentActivity: { id: nextId('activity'), content: input.content },
      };
    },
    agentSessionUpdate: ({
      id,
      input,
    }: {
      id: string;
      input: {
        externalUrls?: ExternalUrl[];
        addedExternalUrls?: ExternalUrl[];
        removedExternalUrls?: string[];
      };
    }) => {
      if (foreignAgentSessions.has(id)) {
        throw new GraphQLError('Only the OAuth application that owns the agent session can update it', {
          extensions: { type: 'forbidden', code: 'FORBIDDEN', userPresentableMessage: 'Not allowed.' },
        });
      }
      const session = agentSessions.get(id) ?? { externalUrls: [] };
      // As Linear documents it: externalUrls replaces the list, and then the added and removed ones are ignored.
      if (input.externalUrls)
        session.externalUrls = input.externalUrls.map(({ label, url }) => ({ label, url }));
      else {
        const removed = new Set(input.removedExternalUrls ?? []);
        session.externalUrls = [
          ...session.externalUrls.filter((link) => !removed.has(link.url)),
          ...(input.addedExternalUrls ?? []).map(({ label, url }) => ({ label, url })),
        ];
      }
      agentSessions.set(id, session);
      return { success: true, lastSyncId: ++syncId, agentSession: { id } };
    },
    commentCreate: ({ input }: { input: { issueId?: string; body?: string } }) => {
      if (!input.issueId || !input.body) {
        throw new GraphQLError('Argument Validation Error', {
          extensions: { type: 'invalid input', code: 'INPUT_ERROR' },
        });
      }
      const issue = findIssue(input.issueId);
      comments.push({ issueId: issue.id, body: input.body });
      return { success: true, lastSyncId: ++syncId, comment: { id: nextId('comment'), body: input.body } };
    },
    issueUpdate: ({ id, input }: { id: string; input: { stateId?: string; assigneeId?: string } }) => {
      const issue = findIssue(id);
      if (input.stateId !== undefined) {
        if (!teamOf(issue.teamId).states.some((state) => state.id === input.stateId)) {
          throw new GraphQLError('Invalid state for this team', {
            extensions: { type: 'invalid input', code: 'INPUT_ERROR' },
          });
        }
        issue.stateId = input.stateId;
      }
      if (input.assigneeId !== undefined) issue.assigneeId = input.assigneeId;
      return { success: true, lastSyncId: ++syncId, issue: issueView(issue) };
    },
  };

  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    let document: { query?: string; variables?: Record<string, unknown>; operationName?: string };
    try {
      document = JSON.parse(body) as typeof document;
    } catch {
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"errors":[{"message":"Bad JSON"}]}');
      return;
    }
    const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(document.query ?? '')?.[1] ?? 'anonymous';
    operations.push(name);
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}) =>
      response
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(json));
    if (request.headers.authorization !== options.apiKey) {
      answer(400, {
        errors: [
          {
            message: 'Authentication required, not authenticated',
            extensions: {
              type: 'authentication error',
              code: 'AUTHENTICATION_ERROR',
              userPresentableMessage: 'You need to authenticate.',
            },
          },
        ],
      });
      return;
    }
    if (limited > 0) {
      limited--;
      answer(
        429,
        {
          errors: [
            {
              message: 'Rate limit exceeded',
              extensions: {
                type: 'ratelimited',
                code: 'RATELIMITED',
                userPresentableMessage: 'Too many requests.',
              },
            },
          ],
        },
        { 'retry-after': String(retryAfter), 'x-ratelimit-requests-remaining': '0' },
      );
      return;
    }
    try {
      const result = await execute({
        schema: SCHEMA,
        document: parse(document.query ?? ''),
        rootValue: root,
        variableValues: document.variables ?? {},
        ...(document.operationName ? { operationName: document.operationName } : {}),
      });
      answer(200, result);
    } catch (error) {
      answer(400, {
        errors: [
          {
            message: String(error),
            extensions: { type: 'graphql error', code: 'GRAPHQL_VALIDATION_FAILED' },
          },
        ],
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    viewer,
    users,
    teams,
    issues,
    comments,
    activities,
    agentSessions,
    foreignAgentSessions,
    operations,
    addIssue(input) {
      const team = teamOf(input.teamId);
      const state =
        team.states.find((candidate) => candidate.name === (input.state ?? 'Todo')) ?? team.states[0]!;
      const issue: FakeLinearIssue = {
        id: input.id ?? nextId('issue'),
        identifier: input.identifier,
        title: input.title,
        description: input.description,
        teamId: input.teamId,
        stateId: state.id,
        assigneeId: input.assigneeId,
        labels: input.labels,
      };
      issues.set(issue.id, issue);
      return issue;
    },
    stateName(issueId) {
      const issue = findIssue(issueId);
      return teamOf(issue.teamId).states.find((state) => state.id === issue.stateId)?.name ?? '';
    },
    rateLimit(requests, seconds) {
      limited = requests;
      retryAfter = seconds;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
