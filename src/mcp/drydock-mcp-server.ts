import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.ts';
import type { Session } from '../core/session.ts';
import { SESSION_STATES } from '../core/session-state.ts';
import { errorResponse } from '../server/error-response.ts';
import { createSessionBody, messageBody, sessionTaskSchema } from '../server/schemas.ts';
import { sessionDiff } from '../server/session-diff.ts';
import { startRequestedSession } from '../server/start-session.ts';
import { sendMessage } from '../sessions/follow-ups.ts';
import { spendContext } from '../sessions/spend-limits.ts';
import { findForgeLink } from '../triggers/forge-link.ts';
import { auditToolCall } from './audit-tool-call.ts';
import {
  callerActor,
  callerCreator,
  type McpCaller,
  requireCallerRole,
  requireCallerSteering,
} from './mcp-caller.ts';
import type { McpDeps } from './mcp-deps.ts';
import { registerSessionResources } from './session-resources.ts';
import {
  diffText,
  MAX_DIFF_CHARS,
  type PullRequestLink,
  sessionListItem,
  sessionUri,
  sessionView,
} from './session-views.ts';

const INSTRUCTIONS = [
  'drydock runs coding tasks in the background: an agent works in an isolated sandbox on a registered repository,',
  'drydock verifies the change (the repository checks, a reviewer) and delivers a branch or pull request, or',
  'bows out with a report of why. create_session starts one and returns at once; a session takes minutes.',
  'Follow it with get_session (state, summary, branch, pull request, cost) or by subscribing to its resource',
  'drydock://sessions/{id}; get_diff shows its change.',
].join(' ');

const idField = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('The session id (create_session and list_sessions give it)');

/**
 * drydock as an MCP server (docs/mcp.md): tools to start, follow, steer and read sessions, and sessions
 * as resources. Every tool calls what the REST API calls, with the same checks: a `caller` below
 * member reads only; a member steers only its own sessions. A new server for every MCP connection, so
 * its subscriptions end with it (`close()`).
 */
export function createDrydockMcpServer(deps: McpDeps, caller: () => McpCaller): McpServer {
  const { store } = deps.sessions;
  const server = new McpServer(
    { name: 'drydock', version: deps.version },
    { capabilities: { resources: { subscribe: true, listChanged: true } }, instructions: INSTRUCTIONS },
  );
  const log = deps.log.child({ component: 'mcp' });

  const run =
    <A>(name: string, handler: (args: A) => Promise<CallToolResult>) =>
    async (args: A): Promise<CallToolResult> => {
      let answer: CallToolResult;
      try {
        answer = await handler(args);
      } catch (error) {
        answer = toolError(error, (err) => log.error({ err, tool: name }, 'an MCP tool failed'));
      }
      await auditToolCall(store, callerActor(caller()), name, args, answer, (err) =>
        log.error({ err, tool: name }, 'writing the audit log failed'),
      );
      return answer;
    };
  const sessionOrThrow = async (id: string): Promise<Session> => {
    const session = await store.getSession(id);
    if (!session) {
      throw new NotFoundError('session_not_found', `No session ${id}; list_sessions lists them.`);
    }
    return session;
  };
  const pullRequestOf = async (id: string): Promise<PullRequestLink | null> => {
    const link = findForgeLink(await store.listLinks({ sessionId: id }));
    return link?.data.pullUrl ? { url: link.data.pullUrl, number: link.data.pull ?? null } : null;
  };

  server.registerTool(
    'create_session',
    {
      title: 'Start a background coding session',
      description:
        'Hands a coding task to drydock, which runs it in the background in an isolated sandbox: the agent changes ' +
        'the repository, drydock runs its checks and a reviewer, and delivers a branch (a pull request for GitHub ' +
        'repositories), or bows out with a report. Returns at once with the session id; a session takes minutes. ' +
        'Follow it with get_session or by subscribing to the resource it returns. Needs the member role.',
      inputSchema: {
        repo: createSessionBody.shape.repo.describe(
          'A repository registered with drydock (drydock repo add): its path, its id, or owner/name for GitHub',
        ),
        task: sessionTaskSchema.describe(
          'What to do, in plain words, as you would write an issue: the goal, where to look, how to tell it works',
        ),
        model: createSessionBody.shape.model.describe(
          "provider:model for the coding agent (e.g. anthropic:claude-sonnet-4-5); default: the server's",
        ),
        ref: createSessionBody.shape.ref.describe(
          'Branch, tag or commit to start from; default HEAD (not for GitHub repositories)',
        ),
        attempts: createSessionBody.shape.attempts.describe(
          'Best of N: run the task this many times (2 to 8) in parallel and deliver the attempt the checks and the reviewer (and on a tie a judge) choose; not with models',
        ),
        models: createSessionBody.shape.models.describe(
          'Best of N with one attempt per provider:model spec (2 to 8); not with attempts',
        ),
        mode: createSessionBody.shape.mode.describe(
          'manager: a manager agent splits the task among child sessions and delivers their work as one change',
        ),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    run('create_session', async (args) => {
      requireCallerRole(caller(), 'member');
      const session = await startRequestedSession(deps, args, callerCreator(caller()));
      server.sendResourceListChanged();
      return result({
        id: session.id,
        state: session.state,
        repo: session.repo,
        resource: sessionUri(session.id),
        next: 'Queued. Call get_session with this id until ended is true, or subscribe to the resource.',
      });
    }),
  );

  server.registerTool(
    'get_session',
    {
      title: 'Get a session',
      description:
        "One session: its state (queued, provisioning, setup, working, verifying, reviewing, delivering, then delivered, bowed_out, failed or cancelled), the agent's summary, the reason it bowed out or failed, its branch, its pull request when one was opened, and what it cost.",
      inputSchema: { id: idField },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    run('get_session', async ({ id }) => {
      const session = await sessionOrThrow(id);
      return result(sessionView(session, await pullRequestOf(session.id)));
    }),
  );

  server.registerTool(
    'list_sessions',
    {
      title: 'List sessions',
      description: 'Sessions, newest first, optionally only those in one state or on one repository.',
      inputSchema: {
        state: z.enum(SESSION_STATES).optional().describe('Only sessions in this state'),
        repo: z
          .string()
          .trim()
          .min(1)
          .max(4096)
          .optional()
          .describe('Only sessions on this repository (its path, or owner/name)'),
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_LISTED)
          .optional()
          .describe(`At most this many; default ${DEFAULT_LISTED}`),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    run('list_sessions', async ({ state, repo, limit }) => {
      const sessions = await store.listSessions({
        ...(state ? { state } : {}),
        ...(repo ? { repo } : {}),
        limit: limit ?? DEFAULT_LISTED,
      });
      return result({ sessions: sessions.map(sessionListItem) });
    }),
  );

  server.registerTool(
    'send_message',
    {
      title: 'Send a follow-up to a session',
      description:
        'A follow-up for the agent: a running session reads it before its next step; a delivered or bowed-out one ' +
        'starts a new turn on the same branch. Needs the member role, and a member only messages its own sessions.',
      inputSchema: { id: idField, text: messageBody.shape.text.describe('The message, in plain words') },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    },
    run('send_message', async ({ id, text }) => {
      requireCallerSteering(caller(), await sessionOrThrow(id));
      const event = await sendMessage(store, id, text, {
        by: callerActor(caller()),
        spend: spendContext(deps.sessions),
      });
      await deps.control.wake(id);
      const session = await sessionOrThrow(id);
      return result({ id, seq: event.seq, state: session.state });
    }),
  );

  server.registerTool(
    'cancel_session',
    {
      title: 'Cancel a session',
      description:
        'Stops a session: a queued one at once, a running one within a step (its state becomes cancelled). ' +
        'Needs the member role, and a member only cancels its own sessions.',
      inputSchema: { id: idField },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    run('cancel_session', async ({ id }) => {
      requireCallerSteering(caller(), await sessionOrThrow(id));
      const session = await deps.control.cancel(id, callerActor(caller()));
      return result({
        id,
        state: session.state,
        next:
          session.state === 'cancelled'
            ? 'Cancelled.'
            : 'Cancelling: the session stops within a step; get_session shows state cancelled then.',
      });
    }),
  );

  server.registerTool(
    'get_diff',
    {
      title: "Get a session's change",
      description:
        "The session's change against the commit it started from, as a unified diff: what it delivered, or its " +
        `work in progress while it runs. Cut at ${MAX_DIFF_CHARS.toLocaleString('en-US')} characters with a note saying where the whole change is.`,
      inputSchema: { id: idField },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    run('get_diff', async ({ id }) => {
      const session = await sessionOrThrow(id);
      const diff = await sessionDiff(deps.sessions, session);
      return { content: [{ type: 'text', text: diffText(session, diff) }] };
    }),
  );

  registerSessionResources(server, deps, log);
  return server;
}

const DEFAULT_LISTED = 20;
const MAX_LISTED = 200;

function result(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

/**
 * A failed tool call as an MCP tool error: drydock's code and message (what went wrong, what to do), and
 * the fields a bad input names; anything untyped is an internal error whose details go to the log only,
 * as on the REST API (error-response.ts).
 */
export function toolError(error: unknown, logInternal: (error: unknown) => void): CallToolResult {
  const { status, body } = errorResponse(error);
  if (status === 500) logInternal(error);
  const fields = Object.entries(body.error.fields ?? {}).map(
    ([field, problem]) => `\n- ${field}: ${problem}`,
  );
  return {
    isError: true,
    content: [{ type: 'text', text: `${body.error.message} (${body.error.code})${fields.join('')}` }],
    structuredContent: { error: body.error },
  };
}
