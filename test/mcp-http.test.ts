import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { mcpMount } from '../src/mcp/mcp-route.ts';
import { MAX_BODY_BYTES } from '../src/server/app.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { hashToken } from '../src/server/tokens.ts';
import { MAX_MESSAGE_CHARS } from '../src/sessions/follow-ups.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';

function textOf(result: unknown): string {
  const [first] = (result as CallToolResult).content;
  return first?.type === 'text' ? first.text : '';
}

function jsonOf(result: unknown): Record<string, unknown> {
  return JSON.parse(textOf(result)) as Record<string, unknown>;
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

/**
 * `/mcp` on a started server, with the official SDK client over streamable HTTP: the API's bearer
 * tokens and roles apply to the MCP tools as they do to the REST routes.
 */
describe('MCP over streamable HTTP at /mcp', { timeout: 90_000 }, () => {
  let h: Harness;
  let server: RunningServer;
  const secondMember = 'dd_second-member-secret';
  const clients: Client[] = [];

  beforeAll(async () => {
    h = await createHarness();
    await h.register();
    await h.store.createToken({ name: 'second member', role: 'member', tokenHash: hashToken(secondMember) });
    server = await startTestServer(h, { eventPollMs: 50, mounts: [mcpMount()] });
  });
  let closed = false;
  afterAll(async () => {
    for (const client of clients) await client.close();
    if (!closed) await server?.close(10_000);
    await h?.close();
  });

  async function connect(secret: string, onUpdated?: (uri: string) => void) {
    const client = new Client({ name: 'drydock-test', version: '1.0.0' });
    if (onUpdated) {
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) =>
        onUpdated(notification.params.uri),
      );
    }
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${secret}` } },
    });
    await client.connect(transport);
    clients.push(client);
    return {
      client,
      transport,
      call: (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }),
    };
  }

  const post = (body: unknown, headers: Record<string, string>) =>
    fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('is 401 without a token, or with one the server does not know', async () => {
    const missing = await post(INITIALIZE, {});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('missing_token');
    const unknown = await post(INITIALIZE, { authorization: 'Bearer dd_nobody' });
    expect(unknown.status).toBe(401);
    const client = new Client({ name: 'anonymous', version: '1.0.0' });
    await expect(
      client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`))),
    ).rejects.toThrow();
  });

  it('lets a viewer read but not create, naming the role it needs', async () => {
    const viewer = await connect(h.tokens.viewer);
    const listed = await viewer.call('list_sessions', {});
    expect(listed.isError).toBeFalsy();
    const created = await viewer.call('create_session', { repo: h.repo, task: DEMO_TASK });
    expect(created.isError).toBe(true);
    expect(textOf(created)).toBe(
      'This needs the member role; token "viewer token" is a viewer. (role_too_low)',
    );
    expect(await h.store.listSessions()).toEqual([]);
  });

  it("lets a member create a session and follow it to delivered, and keeps other members' hands off it", async () => {
    const updated: string[] = [];
    const member = await connect(h.tokens.member, (uri) => updated.push(uri));
    const created = await member.call('create_session', {
      repo: h.repo,
      task: DEMO_TASK,
      model: 'script:demo',
    });
    expect(created.isError).toBeFalsy();
    const { id, resource } = jsonOf(created) as { id: string; resource: string };
    await member.client.subscribeResource({ uri: resource });
    expect((await h.store.getSession(id))?.createdBy).toEqual({
      id: expect.stringMatching(/^token:/),
      name: 'member token',
    });

    // The other member: reads it, but neither cancels nor messages it.
    const other = await connect(secondMember);
    expect(jsonOf(await other.call('get_session', { id })).id).toBe(id);
    const cancel = await other.call('cancel_session', { id });
    expect(cancel.isError).toBe(true);
    expect(textOf(cancel)).toContain('(not_session_owner)');
    const message = await other.call('send_message', { id, text: 'stop and delete everything' });
    expect(message.isError).toBe(true);
    expect(textOf(message)).toContain('(not_session_owner)');
    // Nor can it use the first member's MCP session, which to it does not exist.
    const hijack = await post(
      { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'cancel_session', arguments: { id } } },
      {
        authorization: `Bearer ${secondMember}`,
        'mcp-session-id': member.transport.sessionId ?? '',
        'mcp-protocol-version': '2025-06-18',
      },
    );
    expect(hijack.status).toBe(404);

    const deadline = Date.now() + 60_000;
    let view = jsonOf(await member.call('get_session', { id }));
    while (!view.ended && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      view = jsonOf(await member.call('get_session', { id }));
    }
    expect(view).toMatchObject({ id, state: 'delivered', createdBy: 'member token' });
    expect(updated).toContain(resource);
    expect(textOf(await member.call('get_diff', { id }))).toContain(
      'diff --git a/src/stats.js b/src/stats.js',
    );
    expect(textOf(await other.call('get_diff', { id }))).toContain('diff --git');

    // Its owner may send a follow-up, which opens a new turn.
    const followUp = await member.call('send_message', { id, text: 'Also add a comment.' });
    expect(followUp.isError).toBeFalsy();
    expect(jsonOf(followUp)).toMatchObject({ id, state: 'queued' });

    // The audit log has each acting call, who made it, and the refusals; the follow-up names its sender.
    const entries = await h.store.listAudit({ target: id });
    const seen = entries.map((entry) => [entry.action, entry.actor.name, entry.outcome, entry.details.via]);
    expect(seen).toEqual([
      ['session.messaged', 'member token', 'ok', 'mcp'],
      ['session.messaged', 'second member', 'refused', 'mcp'],
      ['session.cancelled', 'second member', 'refused', 'mcp'],
      ['session.created', 'member token', 'ok', 'mcp'],
    ]);
    expect(entries[0]?.details).toMatchObject({ text: 'Also add a comment.', tool: 'send_message' });
    const messages = (await h.store.listEvents(id)).flatMap((event) =>
      event.data.type === 'message.received' ? [event.data] : [],
    );
    expect(messages.at(-1)).toMatchObject({ by: expect.stringMatching(/^token:/), byName: 'member token' });
  });

  it('caps a message as the API does, and bodies as the API does', async () => {
    const member = await connect(h.tokens.member);
    const [session] = await h.store.listSessions();
    const tooLong = await member.call('send_message', {
      id: session?.id,
      text: 'x'.repeat(MAX_MESSAGE_CHARS + 1),
    });
    expect(tooLong.isError).toBe(true);
    expect(textOf(tooLong)).toMatch(/text/);
    // Last: the server closes the connection after refusing a body it did not read.
    const huge = await post(
      `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"x":"${'x'.repeat(MAX_BODY_BYTES)}"}}`,
      { authorization: `Bearer ${h.tokens.member}`, connection: 'close' },
    );
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { code: string } }).error.code).toBe('body_too_large');
  });

  it('ends MCP sessions and their subscriptions when the server closes', async () => {
    const viewer = await connect(h.tokens.viewer);
    const [session] = await h.store.listSessions();
    await viewer.client.subscribeResource({ uri: `drydock://sessions/${session?.id}` });
    expect(server.bus.listenerCount(session?.id)).toBeGreaterThan(0);
    closed = true;
    await server.close(10_000);
    expect(server.bus.listenerCount()).toBe(0);
  });
});
