import { SESSION_STATES } from '../core/session-state.ts';

/**
 * The OpenAPI 3.1 document of docs/api.md, written by hand next to the routes; a test checks that
 * every route the app serves appears here.
 */
const error = { $ref: '#/components/responses/Error' };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export function openApiDocument(version: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'drydock',
      version,
      description:
        'The control plane of drydock, a self-hostable background coding agent. Every route except /api/health needs a bearer token.',
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/health': {
        get: {
          summary: 'Liveness',
          security: [],
          responses: {
            200: {
              description: 'Up',
              ...json({
                type: 'object',
                properties: { ok: { const: true }, version: { type: 'string' } },
                required: ['ok', 'version'],
              }),
            },
          },
        },
      },
      '/api/openapi.json': {
        get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' }, 401: error } },
      },
      '/api/me': {
        get: {
          summary:
            'The token this request carries: its id, name and role, and the `createdBy.id` of the sessions it starts',
          responses: {
            200: {
              description: 'The token',
              ...json({
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  name: { type: 'string' },
                  role: ref('Role'),
                  creator: { type: 'string' },
                },
                required: ['id', 'name', 'role', 'creator'],
              }),
            },
            401: error,
          },
        },
      },
      '/api/sessions': {
        post: {
          summary: 'Create a session (member)',
          requestBody: { required: true, ...json(ref('CreateSession')) },
          responses: {
            201: {
              description: 'Queued; the worker picks it up',
              ...json({
                type: 'object',
                properties: { id: { type: 'string' }, state: { const: 'queued' } },
                required: ['id', 'state'],
              }),
            },
            400: error,
            401: error,
            403: error,
            413: error,
          },
        },
        get: {
          summary: 'List sessions, newest first',
          parameters: [
            { name: 'state', in: 'query', schema: ref('SessionState') },
            { name: 'repo', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: {
            200: {
              description: 'Sessions',
              ...json({
                type: 'object',
                properties: { sessions: { type: 'array', items: ref('Session') } },
                required: ['sessions'],
              }),
            },
            400: error,
            401: error,
          },
        },
      },
      '/api/sessions/{id}': {
        get: {
          summary: 'One session with its artifacts',
          parameters: [idParam],
          responses: {
            200: {
              description: 'The session',
              ...json({
                allOf: [
                  ref('Session'),
                  {
                    type: 'object',
                    properties: { artifacts: { type: 'array', items: ref('ArtifactInfo') } },
                    required: ['artifacts'],
                  },
                ],
              }),
            },
            401: error,
            404: error,
          },
        },
      },
      '/api/sessions/{id}/cancel': {
        post: {
          summary: 'Cancel a session (its creator, or an admin)',
          parameters: [idParam],
          responses: {
            202: {
              description: 'Cancelled, or cancelling at its next step',
              ...json({
                type: 'object',
                properties: { id: { type: 'string' }, state: ref('SessionState') },
                required: ['id', 'state'],
              }),
            },
            401: error,
            403: error,
            404: error,
            409: error,
          },
        },
      },
      '/api/sessions/{id}/messages': {
        post: {
          summary: 'Send a follow-up (its creator, or an admin)',
          description:
            'Read by the agent at its next step; after the session was delivered or bowed out it opens a new turn on the same branch.',
          parameters: [idParam],
          requestBody: {
            required: true,
            ...json({ type: 'object', properties: { text: { type: 'string' } }, required: ['text'] }),
          },
          responses: {
            202: {
              description: 'Recorded as event `seq`',
              ...json({
                type: 'object',
                properties: { id: { type: 'string' }, seq: { type: 'integer' } },
                required: ['id', 'seq'],
              }),
            },
            400: error,
            401: error,
            403: error,
            404: error,
            409: error,
            413: error,
          },
        },
      },
      '/api/sessions/{id}/events': {
        get: {
          summary: 'The event log as Server-Sent Events: replay after Last-Event-ID, then live',
          parameters: [
            idParam,
            { name: 'Last-Event-ID', in: 'header', schema: { type: 'integer', minimum: 0 } },
            { name: 'lastEventId', in: 'query', schema: { type: 'integer', minimum: 0 } },
            { name: 'access_token', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            200: {
              description:
                'text/event-stream: `id: <seq>`, `event: <type>`, `data: <SessionEvent JSON>`; `: keep-alive` comments',
              content: { 'text/event-stream': { schema: ref('SessionEvent') } },
            },
            400: error,
            401: error,
            404: error,
          },
        },
      },
      '/api/sessions/{id}/diff': {
        get: {
          summary: 'The change against the base commit',
          parameters: [idParam],
          responses: {
            200: { description: 'Unified diff', content: { 'text/x-diff': { schema: { type: 'string' } } } },
            401: error,
            404: error,
          },
        },
      },
      '/api/sessions/{id}/patch': {
        get: {
          summary: 'git format-patch of the delivered commits',
          parameters: [idParam],
          responses: {
            200: { description: 'mbox', content: { 'application/mbox': { schema: { type: 'string' } } } },
            401: error,
            404: error,
            409: error,
          },
        },
      },
      '/api/sessions/{id}/artifacts/{artifactId}': {
        get: {
          summary: "An artifact's content, with its content type",
          parameters: [
            idParam,
            { name: 'artifactId', in: 'path', required: true, schema: { type: 'string' } },
          ],
          responses: { 200: { description: 'The content' }, 401: error, 404: error },
        },
      },
      '/api/hooks': {
        get: {
          summary: 'List signed webhooks (admin); secrets are never returned',
          responses: { 200: { description: '{ hooks }' }, 401: error, 403: error },
        },
        post: {
          summary:
            'Create a webhook at POST /webhooks/{name} (admin): { name, secret, repo, template, scheme?, model? }',
          requestBody: { required: true, ...json({ type: 'object' }) },
          responses: {
            201: { description: 'The hook, without its secret' },
            400: error,
            401: error,
            403: error,
            409: error,
          },
        },
      },
      '/api/hooks/{id}': {
        patch: {
          summary: 'Change a webhook (admin); a new secret replaces the stored one',
          parameters: [idParam],
          requestBody: { required: true, ...json({ type: 'object' }) },
          responses: { 200: { description: 'The hook' }, 400: error, 401: error, 403: error, 404: error },
        },
        delete: {
          summary: 'Delete a webhook (admin)',
          parameters: [idParam],
          responses: { 204: { description: 'Deleted' }, 401: error, 403: error, 404: error },
        },
      },
      '/api/schedules': {
        get: { summary: 'List schedules', responses: { 200: { description: '{ schedules }' }, 401: error } },
        post: {
          summary: 'Create a schedule (member): { name, cron, timezone?, repo, task, model?, paused? }',
          requestBody: { required: true, ...json({ type: 'object' }) },
          responses: { 201: { description: 'The schedule' }, 400: error, 401: error, 403: error, 409: error },
        },
      },
      '/api/schedules/{id}': {
        patch: {
          summary: 'Change, pause or resume a schedule (member)',
          parameters: [idParam],
          requestBody: { required: true, ...json({ type: 'object' }) },
          responses: { 200: { description: 'The schedule' }, 400: error, 401: error, 403: error, 404: error },
        },
        delete: {
          summary: 'Delete a schedule (member)',
          parameters: [idParam],
          responses: { 204: { description: 'Deleted' }, 401: error, 403: error, 404: error },
        },
      },
      '/api/schedules/{id}/runs': {
        get: {
          summary: 'Run history: { runs: { dueAt, sessionId, state }[] }, oldest first',
          parameters: [idParam],
          responses: { 200: { description: '{ runs }' }, 401: error, 404: error },
        },
      },
      '/api/slack/channels': {
        get: {
          summary: 'List Slack channel defaults',
          responses: { 200: { description: '{ channels }' }, 401: error },
        },
        post: {
          summary:
            "Set a Slack channel's defaults (member): { channel (id, or * for all), repo, model?, paused? }",
          requestBody: { required: true, ...json({ type: 'object' }) },
          responses: { 201: { description: 'The channel' }, 400: error, 401: error, 403: error, 409: error },
        },
      },
      '/api/slack/channels/{id}': {
        patch: {
          summary: "Change, pause or resume a Slack channel's defaults (member)",
          parameters: [idParam],
          requestBody: { required: true, ...json({ type: 'object' }) },
          responses: { 200: { description: 'The channel' }, 400: error, 401: error, 403: error, 404: error },
        },
        delete: {
          summary: "Delete a Slack channel's defaults (member)",
          parameters: [idParam],
          responses: { 204: { description: 'Deleted' }, 401: error, 403: error, 404: error },
        },
      },
      '/api/repos': {
        get: {
          summary: 'List the registered repositories, oldest first (any role)',
          responses: {
            200: {
              description: 'Registered repositories',
              ...json({
                type: 'object',
                properties: { repos: { type: 'array', items: ref('RegisteredRepo') } },
                required: ['repos'],
              }),
            },
            401: error,
          },
        },
        post: {
          summary: 'Register a repository (admin)',
          description:
            'A local git repository by the absolute path of its top level (stored as its real path), or a forge repository as owner/name. In server mode sessions, hooks, schedules and Slack channels name only registered repositories.',
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              properties: { repo: { type: 'string', description: 'An absolute path, or owner/name' } },
              required: ['repo'],
            }),
          },
          responses: {
            201: { description: 'Registered', ...json(ref('RegisteredRepo')) },
            400: error,
            401: error,
            403: error,
            409: error,
          },
        },
      },
      '/api/repos/{id}': {
        delete: {
          summary: 'Remove a registration (admin); sessions on it stay as they are',
          parameters: [idParam],
          responses: { 204: { description: 'Removed' }, 401: error, 403: error, 404: error },
        },
      },
      '/api/tokens': {
        post: {
          summary: 'Create a token (admin); the secret is shown once',
          requestBody: {
            required: true,
            ...json({
              type: 'object',
              properties: { name: { type: 'string' }, role: ref('Role') },
              required: ['name', 'role'],
            }),
          },
          responses: {
            201: {
              description: 'The token',
              ...json({
                type: 'object',
                properties: {
                  id: { type: 'string' },
                  name: { type: 'string' },
                  role: ref('Role'),
                  token: { type: 'string' },
                },
                required: ['id', 'name', 'role', 'token'],
              }),
            },
            400: error,
            401: error,
            403: error,
          },
        },
        get: {
          summary: 'List tokens (admin), without their secrets',
          responses: {
            200: {
              description: 'Tokens',
              ...json({
                type: 'object',
                properties: {
                  tokens: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        id: { type: 'string' },
                        name: { type: 'string' },
                        role: ref('Role'),
                        createdAt: { type: 'string' },
                      },
                    },
                  },
                },
              }),
            },
            401: error,
            403: error,
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      responses: {
        Error: {
          description: 'An error',
          ...json({
            type: 'object',
            properties: {
              error: {
                type: 'object',
                properties: {
                  code: { type: 'string' },
                  message: { type: 'string' },
                  fields: { type: 'object', additionalProperties: { type: 'string' } },
                },
                required: ['code', 'message'],
              },
            },
            required: ['error'],
          }),
        },
      },
      schemas: {
        Role: { enum: ['viewer', 'member', 'admin'] },
        SessionState: { enum: [...SESSION_STATES] },
        RegisteredRepo: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            kind: { enum: ['local', 'forge'] },
            repo: { type: 'string', description: 'The real path on the server, or owner/name in lowercase' },
            addedBy: { type: 'string' },
            createdAt: { type: 'string' },
          },
          required: ['id', 'kind', 'repo', 'addedBy', 'createdAt'],
        },
        CreateSession: {
          type: 'object',
          properties: {
            repo: {
              type: 'string',
              description:
                'A registered repository (GET /api/repos): its id, its path, or owner/name. Anything else is 400 repo_not_registered.',
            },
            task: { type: 'string' },
            model: { type: 'string', description: 'provider:model; script: only with --allow-script-models' },
            ref: { type: 'string', description: 'Branch, tag or commit; default HEAD' },
          },
          required: ['repo', 'task'],
        },
        Session: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            state: { $ref: '#/components/schemas/SessionState' },
            task: { type: 'string' },
            repo: { type: 'string' },
            ref: { type: 'string' },
            baseCommit: { type: ['string', 'null'] },
            headCommit: { type: ['string', 'null'] },
            branch: { type: ['string', 'null'] },
            model: { type: 'string' },
            steps: { type: 'integer' },
            usage: {
              type: 'object',
              properties: {
                inputTokens: { type: 'integer' },
                outputTokens: { type: 'integer' },
                costUsd: { type: 'number' },
              },
            },
            summary: { type: ['string', 'null'] },
            reason: { type: ['string', 'null'] },
            requestedBy: {
              type: 'object',
              properties: { name: { type: 'string' }, email: { type: 'string' } },
            },
            createdBy: {
              type: 'object',
              description:
                'Who started it: token:<id> with the token name, or a trigger (github:<login>, ...)',
              properties: { id: { type: 'string' }, name: { type: 'string' } },
            },
            createdAt: { type: 'string' },
            updatedAt: { type: 'string' },
          },
        },
        ArtifactInfo: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            name: { type: 'string' },
            contentType: { type: 'string' },
            createdAt: { type: 'string' },
          },
        },
        SessionEvent: {
          type: 'object',
          properties: {
            sessionId: { type: 'string' },
            seq: { type: 'integer' },
            at: { type: 'string' },
            data: { type: 'object', properties: { type: { type: 'string' } }, required: ['type'] },
          },
        },
      },
    },
  };
}
