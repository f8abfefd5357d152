import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import type { SessionEvent } from '../src/core/events.ts';
import type { Logger } from '../src/server/logger.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { killableScript } from './support/killable-script.ts';
import { captureLogs } from './support/log-records.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { openSse } from './support/sse-client.ts';
import { THREAD_DEPS_MODULE, type ThreadDepsInput } from './support/thread-deps.ts';

/**
 * `drydock up`'s worker in a worker thread (src/server/worker-thread.ts): sessions run there on deps
 * of its own, their events reach the API's streams, cancel and Ctrl-C work as with the worker on the
 * API's thread, and a thread that dies is replaced.
 */
describe("the server's worker in a worker thread", { timeout: 90_000 }, () => {
  let h: Harness;
  let home: string;
  const servers: RunningServer[] = [];
  beforeEach(async () => {
    h = await createHarness();
    home = h.deps.home;
    await h.register();
    await mkdir(join(home, 'scripts'), { recursive: true });
    // A coder step with `sleep 3` in it: the session is cancelled or stopped there.
    await writeFile(
      join(home, 'scripts', 'slow.json'),
      JSON.stringify(killableScript('echo after >> steps.log')),
    );
  });
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close(10_000);
    vi.restoreAllMocks();
    await h.close();
  });

  const start = async (extra: Partial<ThreadDepsInput> = {}, log?: Logger) => {
    const input: ThreadDepsInput = { home, dir: h.dir, ...extra };
    const server = await startTestServer(h, {
      workerThread: { depsModule: THREAD_DEPS_MODULE, depsInput: input },
      eventPollMs: 60_000,
      ...(log ? { log } : {}),
    });
    servers.push(server);
    return server;
  };
  const create = async (server: RunningServer, model: string) => {
    const response = await fetch(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.member}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: h.repo, task: DEMO_TASK, model }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };
  const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const typesOf = async (id: string) => (await h.store.listEvents(id)).map((event) => event.data.type);
  const stateOf = async (id: string) => (await h.store.getSession(id))?.state;
  const threadsThatOpenedDeps = async () =>
    (await readdir(home))
      .filter((name) => name.startsWith('opened-by-thread-'))
      .map((name) => name.slice(17));

  it('runs sessions in the thread and streams their events live to the API', async () => {
    const server = await start();
    const id = await create(server, 'script:demo');
    const live = await openSse(`${server.url}/api/sessions/${id}/events?access_token=${h.tokens.viewer}`);
    await live.waitFor((message) => message.data.includes('"to":"delivered"'), 60_000);
    live.close();
    // Every event once, in order, though the store poller (once a minute here) never ran: the thread's
    // events came over its port to the API's bus.
    const seqs = live.messages.map((message) => Number(message.id));
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
    expect(seqs.length).toBe((await h.store.listEvents(id)).length);
    expect(JSON.parse(live.messages[0]!.data) as SessionEvent).toMatchObject({ sessionId: id });
    // The deps were built in a worker thread, not on the API's (thread 0).
    const threads = await threadsThatOpenedDeps();
    expect(threads).toHaveLength(1);
    expect(threads[0]).not.toBe('0');
    // The thread tells the API's thread when the run is over (after its last write).
    await waitFor('the run to end', async () => server.worker?.running().length === 0);
  });

  it('cancels a session running in the thread by aborting it, the log saying who asked', async () => {
    const server = await start();
    const id = await create(server, 'script:slow.json');
    await waitFor(
      'the slow step',
      async () => (await typesOf(id)).filter((t) => t === 'tool.result').length >= 2,
    );
    // The API's thread knows the session runs in its worker.
    expect(server.worker?.running()).toEqual([id]);
    const started = Date.now();
    const response = await fetch(`${server.url}/api/sessions/${id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens.member}` },
    });
    expect(response.status).toBe(202);
    await waitFor('cancelled', async () => (await stateOf(id)) === 'cancelled');
    // The abort stops the running `sleep 3`.
    expect(Date.now() - started).toBeLessThan(2_500);
    // Aborted in the thread, not left for a worker's next check: the request is in the log only to say who asked.
    const requests = (await h.store.listEvents(id)).flatMap((event) =>
      event.data.type === 'cancel.requested' ? [event.data] : [],
    );
    expect(requests).toEqual([
      { type: 'cancel.requested', by: expect.stringMatching(/^token:/), byName: expect.any(String) },
    ]);
  });

  it('on close, hands running sessions off after their step; the next server resumes them', async () => {
    const first = await start();
    const id = await create(first, 'script:slow.json');
    await waitFor(
      'the slow step',
      async () => (await typesOf(id)).filter((t) => t === 'tool.result').length >= 2,
    );
    await first.close(10_000);
    servers.splice(servers.indexOf(first), 1);
    const types = await typesOf(id);
    expect(types.at(-1)).toBe('session.handed_off');
    expect(await stateOf(id)).toBe('working');
    const second = await start();
    await waitFor('delivered', async () => (await stateOf(id)) === 'delivered');
    // The step after the one in flight at close ran once, on the second server.
    expect((await typesOf(id)).filter((t) => t === 'session.handed_off')).toHaveLength(1);
    await waitFor('the run to end', async () => second.worker?.running().length === 0);
  });

  it('replaces a thread that dies, and the new one runs sessions', async () => {
    const { log, records } = captureLogs('error');
    const server = await start({ crashOnceAfterMs: 300 }, log);
    await waitFor('a second thread', async () => (await threadsThatOpenedDeps()).length === 2, 30_000);
    const errors = records.map((record) => JSON.stringify(record)).join('\n');
    expect(errors).toContain('a deliberate crash of the worker thread');
    expect(errors).toMatch(/worker thread exited .*starting a new one/);
    const id = await create(server, 'script:demo');
    await waitFor('delivered', async () => (await stateOf(id)) === 'delivered');
  });
});
