import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ModelMessage } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/ports/clock.ts';
import { isSessionTakenOver, type Store, type StoreWrite } from '../core/ports/store.ts';
import { createRedactor } from '../environments/redactor.ts';
import { createSequentialIds } from '../store/ids.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { newSession } from '../store/store-contract.ts';
import { readCheckpoint } from './checkpoint-schema.ts';
import { initialCheckpoint, type SessionCheckpoint } from './session-checkpoint.ts';
import { SessionRecorder } from './session-recorder.ts';

describe('a fenced SessionRecorder', () => {
  let store: Store;
  const writes: StoreWrite[] = [];
  /** The store, counting the writes that reach it. */
  let counted: Store;
  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:', clock: systemClock, ids: createSequentialIds('a-') });
    writes.length = 0;
    counted = {
      ...store,
      record: (sessionId, write) => {
        writes.push(write);
        return store.record(sessionId, write);
      },
    };
  });
  afterEach(async () => {
    await store.close();
  });

  it('names its owner on every write, and once refused writes nothing more, not even to ask', async () => {
    const session = newSession('s1', { state: 'working' });
    await store.createSession(session);
    await store.claimSession('s1', 'run-a');
    const recorder = new SessionRecorder(counted, session, {}, { owner: 'run-a' });
    const first = initialCheckpoint('task');
    await recorder.record([{ type: 'cancel.requested' }], {}, first);
    expect(writes.map((write) => write.owner)).toEqual(['run-a']);
    expect(recorder.takenOver).toBeNull();

    await store.claimSession('s1', 'run-b');
    const refused = await recorder.record([{ type: 'cancel.requested' }]).catch((error: unknown) => error);
    expect(isSessionTakenOver(refused)).toBe(true);
    expect(recorder.takenOver).toBe(refused);
    await expect(recorder.transition('failed', { reason: 'x' })).rejects.toBe(refused);
    await expect(recorder.record([], {}, initialCheckpoint('other'))).rejects.toBe(refused);
    // Only the refused write reached the store; the log and checkpoint are as before it.
    expect(writes).toHaveLength(2);
    expect((await store.listEvents('s1')).map((event) => event.seq)).toEqual([1, 2]);
    expect(await readCheckpoint(store, 's1')).toEqual(first);
    expect((await store.getSession('s1'))?.state).toBe('working');
  });

  it('without an owner writes unfenced, as follow-ups and cancel requests do', async () => {
    const session = newSession('s1');
    await store.createSession(session);
    await store.claimSession('s1', 'run-b');
    const recorder = new SessionRecorder(counted, session, {});
    await recorder.record([{ type: 'cancel.requested' }]);
    expect(writes.map((write) => write.owner)).toEqual([undefined]);
    expect(await store.listEvents('s1')).toHaveLength(2);
  });
});

describe('SessionRecorder and the checkpoint log', () => {
  let dir: string;
  let path: string;
  let store: Store;
  const writes: StoreWrite[] = [];
  let counted: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-recorder-'));
    path = join(dir, 'drydock.db');
    store = await openSqliteStore({ path, clock: systemClock, ids: createSequentialIds('a-') });
    writes.length = 0;
    counted = {
      ...store,
      record: (sessionId, write) => {
        writes.push(write);
        return store.record(sessionId, write);
      },
    };
    await store.createSession(newSession('s1', { state: 'working' }));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The checkpoint after the loop added `added` messages, built as the loop does (spread). */
  const withMessages = (checkpoint: SessionCheckpoint, ...added: ModelMessage[]): SessionCheckpoint => ({
    ...checkpoint,
    agent: {
      ...checkpoint.agent,
      step: checkpoint.agent.step + 1,
      messages: [...checkpoint.agent.messages, ...added],
    },
  });
  const said = (text: string): ModelMessage => ({ role: 'assistant', content: text });
  const logChanges = () =>
    writes.map(
      (write) =>
        write.checkpointLog && { ...write.checkpointLog, entries: write.checkpointLog.entries.length },
    );

  it('writes the conversation once, then only the messages each step adds', async () => {
    const recorder = new SessionRecorder(counted, newSession('s1', { state: 'working' }), {});
    let checkpoint = initialCheckpoint('task');
    await recorder.record([], {}, checkpoint);
    for (let step = 1; step <= 3; step++) {
      checkpoint = withMessages(checkpoint, said(`step ${step}`), {
        role: 'user',
        content: `result ${step}`,
      });
      await recorder.record([{ type: 'model.error', step, message: 'x' }], {}, checkpoint);
    }
    // The gate moves on without a new message: the document alone.
    checkpoint = { ...checkpoint, gate: { ...checkpoint.gate, verifyRounds: 1 } };
    await recorder.record([], {}, checkpoint);
    await recorder.record([{ type: 'cancel.requested' }]);

    expect(logChanges()).toEqual([
      { from: 0, entries: 1 },
      { from: 1, entries: 2 },
      { from: 3, entries: 2 },
      { from: 5, entries: 2 },
      undefined,
      undefined,
    ]);
    expect(await store.loadCheckpointLog('s1')).toEqual(checkpoint.agent.messages);
    expect(await readCheckpoint(store, 's1')).toEqual(checkpoint);
  });

  it('rewrites from where a compaction diverged, and everything on a new run', async () => {
    const recorder = new SessionRecorder(counted, newSession('s1', { state: 'working' }), {});
    const long = withMessages(initialCheckpoint('task'), said('a'), said('b'), said('c'));
    await recorder.record([], {}, long);
    const [task, , , last] = long.agent.messages;
    const compacted: SessionCheckpoint = {
      ...long,
      agent: { ...long.agent, messages: [task!, { role: 'user', content: 'summary of a and b' }, last!] },
    };
    await recorder.record([], {}, compacted);
    expect(await readCheckpoint(store, 's1')).toEqual(compacted);

    // A resumed run's recorder knows nothing of what is stored: its first write rewrites the log.
    const resumed = new SessionRecorder(counted, newSession('s1', { state: 'working' }), {});
    const read = (await readCheckpoint(store, 's1'))!;
    await resumed.record([], {}, withMessages(read, said('d')));
    expect(logChanges()).toEqual([
      { from: 0, entries: 4 },
      { from: 1, entries: 2 },
      { from: 0, entries: 4 },
    ]);
    expect((await readCheckpoint(store, 's1'))?.agent.messages).toHaveLength(4);
  });

  it('rewrites the log after a write that failed, since what it left is unknown', async () => {
    let fail = false;
    const failing: Store = {
      ...counted,
      record: async (sessionId, write) => {
        if (fail) throw new Error('connection lost');
        return counted.record(sessionId, write);
      },
    };
    const recorder = new SessionRecorder(failing, newSession('s1', { state: 'working' }), {});
    const one = withMessages(initialCheckpoint('task'), said('a'));
    await recorder.record([], {}, one);
    fail = true;
    await expect(recorder.record([], {}, withMessages(one, said('b')))).rejects.toThrow('connection lost');
    fail = false;
    const three = withMessages(withMessages(one, said('b')), said('c'));
    await recorder.record([], {}, three);
    expect(logChanges()).toEqual([
      { from: 0, entries: 2 },
      { from: 0, entries: 4 },
    ]);
    expect(await readCheckpoint(store, 's1')).toEqual(three);
  });

  it('keeps a secret in a message out of the log table, in the first write and in appends', async () => {
    const SECRET = 'hunter2-very-secret-value';
    const recorder = new SessionRecorder(counted, newSession('s1', { state: 'working' }), {});
    const first = withMessages(initialCheckpoint(`task with ${SECRET}`), said('a'));
    await recorder.record([], {}, first);
    recorder.redactWith(createRedactor([{ name: 'DB_PASSWORD', value: SECRET }]));
    const second = withMessages(first, said(`the password is ${SECRET}`));
    await recorder.record([], {}, second);
    await recorder.record([], {}, withMessages(second, { role: 'user', content: `again: ${SECRET}` }));

    // Redaction that starts after a write rewrites the log, so the first write's secret goes too.
    expect(logChanges()[1]).toEqual({ from: 0, entries: 3 });
    const raw = new DatabaseSync(path, { readOnly: true });
    try {
      const rows = raw.prepare('SELECT data FROM checkpoint_log ORDER BY position').all();
      expect(rows).toHaveLength(4);
      const table = JSON.stringify(rows);
      expect(table).not.toContain(SECRET);
      expect(table).toContain('[secret DB_PASSWORD]');
      expect(JSON.stringify(raw.prepare('SELECT data FROM checkpoints').all())).not.toContain(SECRET);
    } finally {
      raw.close();
    }
  });
});
