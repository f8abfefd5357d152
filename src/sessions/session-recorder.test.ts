import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/ports/clock.ts';
import { isSessionTakenOver, type Store, type StoreWrite } from '../core/ports/store.ts';
import { createSequentialIds } from '../store/ids.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { newSession } from '../store/store-contract.ts';
import { readCheckpoint } from './checkpoint-schema.ts';
import { initialCheckpoint } from './session-checkpoint.ts';
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
