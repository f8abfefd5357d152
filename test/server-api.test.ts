import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPulledWork, pullRemote } from '../src/cli/commands/pull.ts';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createRemoteClient } from '../src/cli/remote-client.ts';
import type { SessionEvent } from '../src/core/events.ts';
import type { ScriptTurn } from '../src/models/script-file.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { openSse } from './support/sse-client.ts';

/** The API over a real port: a worker runs scripted sessions; clients follow them over SSE. */
describe('drydock server over a real port', { timeout: 90_000 }, () => {
  let h: Harness;
  let server: RunningServer;

  beforeEach(async () => {
    h = await createHarness();
    await h.register();
    server = await startTestServer(h, { eventPollMs: 50, keepAliveMs: 100 });
  });
  afterEach(async () => {
    await server.close(10_000);
    await h.close();
  });

  const api = async (method: string, path: string, body?: unknown, role: 'member' | 'viewer' = 'member') => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${h.tokens[role]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response;
  };
  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
  const parse = (data: string) => JSON.parse(data) as SessionEvent;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: h.repo, encoding: 'utf8' }).trim();
  const waitForState = async (id: string, state: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const session = await json<{ state: string }>(await api('GET', `/api/sessions/${id}`));
      if (session.state === state) return session;
      if (['delivered', 'bowed_out', 'failed', 'cancelled'].includes(session.state) && state !== 'queued') {
        const log = (await h.store.listEvents(id)).map(
          (e) => `${e.seq} ${JSON.stringify(e.data).slice(0, 300)}`,
        );
        throw new Error(`session ${id} is ${session.state}, not ${state}:\n${log.slice(-12).join('\n')}`);
      }
      if (Date.now() > deadline) throw new Error(`session ${id} is ${session.state}, not ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  it('runs a session created over the API to delivered, streaming its events live and on resume', async () => {
    const created = await json<{ id: string }>(
      await api('POST', '/api/sessions', { repo: h.repo, task: DEMO_TASK, model: 'script:demo' }),
    );
    const url = `${server.url}/api/sessions/${created.id}/events?access_token=${h.tokens.viewer}`;
    const live = await openSse(url);
    expect(live.status).toBe(200);
    const delivered = await live.waitFor(
      (message) =>
        message.event === 'state.changed' &&
        parse(message.data).data.type === 'state.changed' &&
        message.data.includes('"to":"delivered"'),
      60_000,
    );
    // Every event once, in order, with its seq as the SSE id.
    const seqs = live.messages.map((message) => Number(message.id));
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
    expect(live.messages[0]?.event).toBe('session.created');
    expect(live.messages.some((message) => message.event === 'tool.result')).toBe(true);
    expect(parse(delivered.data).sessionId).toBe(created.id);

    // A second viewer resumes after event 5 (header), and sees exactly the rest.
    const resumed = await openSse(`${server.url}/api/sessions/${created.id}/events`, {
      authorization: `Bearer ${h.tokens.viewer}`,
      'last-event-id': '5',
    });
    await resumed.waitFor((message) => message.id === delivered.id);
    expect(resumed.messages.map((message) => Number(message.id))).toEqual(seqs.filter((seq) => seq > 5));
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(resumed.comments).toContain('keep-alive');

    // Disconnecting leaks nothing: no bus listener, no poller watch remains.
    expect(server.bus.listenerCount(created.id)).toBeGreaterThanOrEqual(2);
    live.close();
    resumed.close();
    await Promise.all([live.closed, resumed.closed]);
    const deadline = Date.now() + 3000;
    while (server.bus.listenerCount() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.bus.listenerCount()).toBe(0);

    const session = await json<{
      state: string;
      branch: string;
      headCommit: string;
      artifacts: Array<{ name: string }>;
    }>(await api('GET', `/api/sessions/${created.id}`, undefined, 'viewer'));
    expect(session.state).toBe('delivered');
    expect(git('rev-parse', session.branch)).toBe(session.headCommit);
    expect(session.artifacts.map((artifact) => artifact.name)).toContain('pull-request.md');
    const diff = await (await api('GET', `/api/sessions/${created.id}/diff`)).text();
    expect(diff).toContain('+  for (let i = 0; i < numbers.length; i++)');
    const patch = await api('GET', `/api/sessions/${created.id}/patch`);
    expect(patch.headers.get('content-type')).toBe('application/mbox');
    expect(await patch.text()).toMatch(/^From [0-9a-f]{40} /);
  });

  it('cancels a running session quickly, killing its slow command', async () => {
    h.scripts.slow = {
      coder: [
        { toolCalls: [{ name: 'bash', input: { command: 'sleep 5' } }] },
        { toolCalls: [{ name: 'finish', input: { summary: 'slept' } }] },
      ],
    };
    const created = await json<{ id: string }>(
      await api('POST', '/api/sessions', { repo: h.repo, task: 'sleep', model: 'script:slow' }),
    );
    const stream = await openSse(
      `${server.url}/api/sessions/${created.id}/events?access_token=${h.tokens.viewer}`,
    );
    await stream.waitFor((message) => message.event === 'tool.call', 30_000);
    // Let the command start: the host sandbox misses an abort that lands while it spawns (reported).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const cancelled = await api('POST', `/api/sessions/${created.id}/cancel`);
    expect(cancelled.status).toBe(202);
    await stream.waitFor(
      (message) => message.event === 'state.changed' && message.data.includes('"to":"cancelled"'),
    );
    expect(Date.now() - started).toBeLessThan(3000);
    stream.close();
    await waitForState(created.id, 'cancelled');
    expect(server.worker?.running()).toEqual([]);
    const again = await api('POST', `/api/sessions/${created.id}/cancel`);
    expect(again.status).toBe(409);
  });

  it('opens a second turn with a follow-up after delivery, moving the same branch forward', async () => {
    const created = await json<{ id: string }>(
      await api('POST', '/api/sessions', { repo: h.repo, task: DEMO_TASK, model: 'script:demo' }),
    );
    type Delivered = { branch: string; headCommit: string; baseCommit: string };
    const { branch, headCommit, baseCommit } = (await waitForState(
      created.id,
      'delivered',
      60_000,
    )) as unknown as Delivered;

    // The scripted model replays by conversation position: turn 2 continues after turn 1's five turns.
    h.scripts.demo = {
      coder: [
        ...(DEMO_SCRIPT as { coder: ScriptTurn[] }).coder,
        {
          toolCalls: [
            {
              name: 'edit_file',
              input: {
                path: 'src/stats.js',
                oldText: '/** The arithmetic mean of a list of numbers; 0 for an empty list. */',
                newText:
                  '/** The arithmetic mean of a list of numbers (every element counts); 0 for an empty list. */',
              },
            },
          ],
        },
        { toolCalls: [{ name: 'finish', input: { summary: 'Documented that every element counts.' } }] },
      ],
      reviewer: (DEMO_SCRIPT as { reviewer: ScriptTurn[] }).reviewer,
    };
    const sent = await api('POST', `/api/sessions/${created.id}/messages`, {
      text: 'Also say in the comment that every element counts.',
    });
    expect(sent.status).toBe(202);
    await waitForState(created.id, 'queued', 5000).catch(() => {});
    const second = (await waitForState(created.id, 'delivered', 60_000)) as unknown as Delivered;
    const events = await h.store.listEvents(created.id);
    const delivered = events.filter(
      (event) => event.data.type === 'state.changed' && event.data.to === 'delivered',
    );
    expect(delivered).toHaveLength(2);
    expect(second.branch).toBe(branch);
    expect(second.headCommit).not.toBe(headCommit);
    expect(git('rev-list', '--count', `${baseCommit}..${branch}`)).toBe('2');
    expect(git('rev-parse', `${branch}^`)).toBe(headCommit);
    expect(git('log', '--format=%s', branch, '-2')).toContain(DEMO_TASK.slice(0, 40));
    // The coder saw the follow-up once, as a user message; no new baseline ran.
    const conversation = JSON.stringify(await h.store.loadCheckpointLog(created.id));
    expect(conversation.match(/Also say in the comment that every element counts/g)).toHaveLength(1);
    const baselines = events.filter(
      (event) => event.data.type === 'checks.completed' && event.data.phase === 'baseline',
    );
    expect(baselines).toHaveLength(1);
    // The second turn's review goes on from the first's: round 2, not round 1 again.
    const rounds = events.flatMap((event) =>
      event.data.type === 'review.completed' ? [event.data.round] : [],
    );
    expect(rounds).toEqual([1, 2]);
    const patch = await (await api('GET', `/api/sessions/${created.id}/patch`)).text();
    expect(patch.match(/^From [0-9a-f]{40} /gm)).toHaveLength(2);

    // drydock pull, through the API, into a clone whose current branch stays where it is.
    const clone = join(h.dir, 'clone');
    execFileSync('git', ['clone', '--quiet', h.repo, clone]);
    const before = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: clone, encoding: 'utf8' }).trim();
    const client = createRemoteClient(server.url, h.tokens.viewer);
    const printed = await applyPulledWork(await pullRemote(client, created.id), clone, 'drydock/pulled');
    expect(printed).toContain('drydock/pulled');
    const inClone = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' }).trim();
    expect(inClone('rev-list', '--count', `${baseCommit}..drydock/pulled`)).toBe('2');
    expect(inClone('diff', second.headCommit, 'drydock/pulled')).toBe('');
    expect(inClone('rev-parse', 'HEAD')).toBe(before);
    expect(inClone('status', '--porcelain')).toBe('');
  });
});
