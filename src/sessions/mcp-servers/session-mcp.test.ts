import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createMemorySandbox } from '../../../test/fakes/memory-sandbox.ts';
import type { EventData } from '../../core/events.ts';
import { systemClock } from '../../core/ports/clock.ts';
import type { Store } from '../../core/ports/store.ts';
import type { McpServerConfig } from '../../environments/mcp-config.ts';
import { createSequentialIds } from '../../store/ids.ts';
import { openSqliteStore } from '../../store/sqlite-store.ts';
import { newSession } from '../../store/store-contract.ts';
import { SessionRecorder } from '../session-recorder.ts';
import { createSessionMcp, MAX_STDIO_RESTARTS_PER_RUN } from './session-mcp.ts';

/**
 * A memory sandbox whose every exec is a new process of a stdio MCP server (the SDK's, in this
 * process), numbered from 1: its `echo` says which process answered. `kill()` ends the latest process
 * as the death of its sandbox would; `crashing` says which processes exit before they answer, and
 * `starting` is told of each process as it starts.
 */
function sandboxWithServers(
  hooks: { crashing?: (number: number) => boolean; starting?: (number: number) => void } = {},
) {
  const kills: Array<() => void> = [];
  let started = 0;
  let stopped = 0;
  const sandbox = createMemorySandbox({}, async (_command, options) => {
    const number = ++started;
    hooks.starting?.(number);
    if (hooks.crashing?.(number)) {
      options.onOutput?.('refusing to start twice\n', 'stderr');
      return { exitCode: 3 };
    }
    const server = new McpServer({ name: 'fake', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({
      content: [{ type: 'text', text: `process ${number}: ${text}` }],
    }));
    const transport: Transport = {
      start: async () => {},
      send: async (message) => options.onOutput?.(serializeMessage(message), 'stdout'),
      close: async () => {},
    };
    await server.connect(transport);
    const killed = new Promise<'killed'>((resolve) => kills.push(() => resolve('killed')));
    const buffer = new ReadBuffer();
    if (!options.stdin) throw new Error('a stdio server needs stdin');
    const stdin = options.stdin[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([stdin.next(), killed]);
      if (next === 'killed') return { exitCode: null, signal: 'SIGKILL' };
      if (next.done) {
        stopped++;
        return { exitCode: 0 };
      }
      buffer.append(Buffer.from(next.value));
      for (let message = buffer.readMessage(); message !== null; message = buffer.readMessage()) {
        transport.onmessage?.(message);
      }
    }
  });
  return { sandbox, kill: () => kills.at(-1)?.(), started: () => started, stopped: () => stopped };
}

const STDIO: McpServerConfig = {
  name: 'tools',
  transport: 'stdio',
  command: ['node', 'server.mjs'],
  env: [],
  tools: { allow: null, deny: [] },
};
const signal = new AbortController().signal;

describe('a run’s MCP servers when the sandbox is restored', () => {
  let store: Store;
  let recorder: SessionRecorder;
  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:', clock: systemClock, ids: createSequentialIds('m-') });
    const session = newSession('s1', { state: 'working' });
    await store.createSession(session);
    recorder = new SessionRecorder(store, session, {});
  });
  afterEach(async () => {
    await store.close();
  });

  const mcpEvents = async (): Promise<EventData[]> =>
    (await store.listEvents('s1')).map((event) => event.data).filter((data) => data.type.startsWith('mcp.'));

  it('starts a stdio server again behind the same handle; a call made at once waits for it', async () => {
    const { sandbox, kill, started } = sandboxWithServers();
    const mcp = createSessionMcp({ servers: [STDIO], sandbox, recorder, secrets: [], separated: false });
    await mcp.start();
    const [handle] = mcp.servers;
    expect(await handle?.call('echo', { text: 'before' }, signal)).toEqual({
      text: 'process 1: before',
      isError: false,
    });
    kill();
    // Without a restart, the handle's process is gone.
    await expect(handle?.call('echo', { text: 'lost' }, signal)).rejects.toThrow();
    mcp.restartStdio();
    // Asked before the restart is over: it waits, and the new process answers.
    expect(await handle?.call('echo', { text: 'after' }, signal)).toEqual({
      text: 'process 2: after',
      isError: false,
    });
    expect(started()).toBe(2);
    expect(mcp.servers).toEqual([handle]);
    const started2 = {
      type: 'mcp.started',
      server: 'tools',
      transport: 'stdio',
      tools: ['echo'],
      denied: [],
    };
    expect(await mcpEvents()).toEqual([started2, started2]);
    await mcp.close();
  });

  it('records a server that does not come back as mcp.failed, its calls answer why, and a later restore retries', async () => {
    const { sandbox, kill, started } = sandboxWithServers({ crashing: (number) => number === 2 });
    const mcp = createSessionMcp({ servers: [STDIO], sandbox, recorder, secrets: [], separated: false });
    await mcp.start();
    const [handle] = mcp.servers;
    kill();
    mcp.restartStdio();
    const failed = handle?.call('echo', { text: 'after' }, signal);
    await expect(failed).rejects.toThrow(/did not start again when drydock replaced the sandbox that died/);
    await expect(failed).rejects.toThrow(/refusing to start twice/);
    const events = await mcpEvents();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({
      type: 'mcp.failed',
      server: 'tools',
      transport: 'stdio',
      reason: 'failed',
      message: expect.stringContaining('refusing to start twice'),
    });
    // The sandbox replaced again: the server is started again, and answers.
    mcp.restartStdio();
    expect(await handle?.call('echo', { text: 'third' }, signal)).toMatchObject({ text: 'process 3: third' });
    expect(started()).toBe(3);
    await mcp.close();
  });

  it('stops starting a server again past the limit per run (one that kills its sandbox would loop)', async () => {
    const { sandbox, kill, started } = sandboxWithServers();
    const mcp = createSessionMcp({ servers: [STDIO], sandbox, recorder, secrets: [], separated: false });
    await mcp.start();
    const [handle] = mcp.servers;
    for (let restore = 1; restore <= MAX_STDIO_RESTARTS_PER_RUN; restore++) {
      kill();
      mcp.restartStdio();
      expect(await handle?.call('echo', { text: `${restore}` }, signal)).toMatchObject({
        text: `process ${restore + 1}: ${restore}`,
      });
    }
    kill();
    mcp.restartStdio();
    await expect(handle?.call('echo', { text: 'over' }, signal)).rejects.toThrow(
      /replaced 4 times in this run.*at most 3 times per run/,
    );
    // Said once; a later restore starts nothing and records nothing.
    mcp.restartStdio();
    await expect(handle?.call('echo', { text: 'still over' }, signal)).rejects.toThrow(/at most 3 times/);
    expect(started()).toBe(1 + MAX_STDIO_RESTARTS_PER_RUN);
    const events = await mcpEvents();
    expect(events.filter((e) => e.type === 'mcp.started')).toHaveLength(1 + MAX_STDIO_RESTARTS_PER_RUN);
    expect(events.filter((e) => e.type === 'mcp.failed')).toEqual([
      expect.objectContaining({ server: 'tools', transport: 'stdio', reason: 'refused' }),
    ]);
    await mcp.close();
  });

  it('closing during a restart waits for it and stops the new process; nothing starts after', async () => {
    let closing: Promise<void> = Promise.resolve();
    let closed = () => {};
    const closeCalled = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const { sandbox, kill, started, stopped } = sandboxWithServers({
      starting: (number) => {
        if (number !== 2) return;
        closing = mcp.close();
        closed();
      },
    });
    const mcp = createSessionMcp({ servers: [STDIO], sandbox, recorder, secrets: [], separated: false });
    await mcp.start();
    const [handle] = mcp.servers;
    kill();
    mcp.restartStdio();
    await closeCalled;
    await closing;
    expect(started()).toBe(2);
    // The process the restart started was stopped by close(), not left running in the sandbox.
    expect(stopped()).toBe(1);
    await expect(handle?.call('echo', { text: 'late' }, signal)).rejects.toThrow(/run ended/);
    mcp.restartStdio();
    await mcp.close();
    expect(started()).toBe(2);
  });
});
