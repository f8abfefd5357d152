import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import { type JsonValue, SESSION_TAKEN_OVER, type Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';

function step(step: number): EventData {
  return { type: 'model.error', step, message: `step ${step}` };
}

const message = (text: string): JsonValue => ({ role: 'user', content: text });

/**
 * The checkpoint log: record()'s `checkpointLog` changes and loadCheckpointLog. Part of the Store
 * contract, run inside describeStoreContract. `newSession` comes from the contract.
 */
export function describeCheckpointLogStoreContract(
  current: () => Store,
  newSession: (id: string) => Session,
): void {
  describe('checkpoint log', () => {
    it('appends entries in order, keeps them when a write leaves the log out, and is per session', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await store.createSession(newSession('s2'));
      expect(await store.loadCheckpointLog('s1')).toEqual([]);

      await store.record('s1', { checkpointLog: { from: 0, entries: [message('a'), message('b')] } });
      await store.record('s1', { checkpointLog: { from: 2, entries: [message('c')] } });
      await store.record('s1', { events: [step(1)], checkpoint: { step: 1 } });
      // An empty append changes nothing.
      await store.record('s1', { checkpointLog: { from: 3, entries: [] } });

      expect(await store.loadCheckpointLog('s1')).toEqual([message('a'), message('b'), message('c')]);
      expect(await store.loadCheckpointLog('s2')).toEqual([]);
      expect(await store.loadCheckpointLog('missing')).toEqual([]);
      // The document is read on its own, without the log.
      expect(await store.loadCheckpoint('s1')).toEqual({ step: 1 });
    });

    it('replaces the entries from the middle on, truncates, and rewrites from the start', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      const four = ['a', 'b', 'c', 'd'].map(message);
      await store.record('s1', { checkpointLog: { from: 0, entries: four } });

      await store.record('s1', { checkpointLog: { from: 1, entries: [message('x')] } });
      expect(await store.loadCheckpointLog('s1')).toEqual([message('a'), message('x')]);

      await store.record('s1', {
        checkpointLog: { from: 2, entries: [message('y'), message('z')] },
      });
      await store.record('s1', { checkpointLog: { from: 3, entries: [] } });
      expect(await store.loadCheckpointLog('s1')).toEqual([message('a'), message('x'), message('y')]);

      await store.record('s1', { checkpointLog: { from: 0, entries: [message('new')] } });
      expect(await store.loadCheckpointLog('s1')).toEqual([message('new')]);
    });

    it('keeps every kind of JSON entry, many at once, in order', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      const entries: JsonValue[] = Array.from({ length: 1_201 }, (_, index) =>
        index % 3 === 0
          ? { index, text: `NUL \0 é ${index}` }
          : index % 3 === 1
            ? [index, null, true]
            : index,
      );
      await store.record('s1', { checkpointLog: { from: 0, entries } });
      expect(await store.loadCheckpointLog('s1')).toEqual(entries);
    });

    it('refuses a change that would leave a gap, writing nothing of the write', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await store.record('s1', {
        checkpoint: { messageCount: 2 },
        checkpointLog: { from: 0, entries: [message('a'), message('b')] },
      });
      const before = await store.getSession('s1');

      const gap = store.record('s1', {
        events: [step(1)],
        patch: { steps: 1 },
        checkpoint: { messageCount: 4 },
        checkpointLog: { from: 3, entries: [message('d')] },
      });
      await expect(gap).rejects.toBeInstanceOf(BadInputError);
      await expect(gap).rejects.toMatchObject({ code: 'checkpoint_log_gap' });
      for (const from of [-1, 0.5, Number.NaN]) {
        await expect(store.record('s1', { checkpointLog: { from, entries: [] } })).rejects.toMatchObject({
          code: 'invalid_checkpoint_log_change',
        });
      }

      expect(await store.getSession('s1')).toEqual(before);
      expect(await store.listEvents('s1')).toHaveLength(1);
      expect(await store.loadCheckpoint('s1')).toEqual({ messageCount: 2 });
      expect(await store.loadCheckpointLog('s1')).toEqual([message('a'), message('b')]);
    });

    it('writes the log with the document and the events, or none of them', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await store.record('s1', {
        checkpoint: { messageCount: 1 },
        checkpointLog: { from: 0, entries: [message('a')] },
      });

      // An entry that is not JSON fails the whole write.
      const unserializable = { big: 1n } as unknown as JsonValue;
      await expect(
        store.record('s1', {
          events: [step(1)],
          checkpoint: { messageCount: 2 },
          checkpointLog: { from: 1, entries: [unserializable] },
        }),
      ).rejects.toMatchObject({ code: 'unserializable_json' });
      expect(await store.listEvents('s1')).toHaveLength(1);
      expect(await store.loadCheckpoint('s1')).toEqual({ messageCount: 1 });
      expect(await store.loadCheckpointLog('s1')).toEqual([message('a')]);

      // A write to a session that does not exist writes no log either.
      await expect(
        store.record('ghost', { checkpointLog: { from: 0, entries: [message('x')] } }),
      ).rejects.toThrow();
      expect(await store.loadCheckpointLog('ghost')).toEqual([]);

      await store.record('s1', {
        events: [step(1)],
        checkpoint: { messageCount: 2 },
        checkpointLog: { from: 1, entries: [message('b')] },
      });
      expect(await store.loadCheckpoint('s1')).toEqual({ messageCount: 2 });
      expect(await store.loadCheckpointLog('s1')).toEqual([message('a'), message('b')]);
    });

    it('refuses a fenced write of a run that lost the session, leaving the log as the new owner wrote it', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await store.claimSession('s1', 'run-a');
      await store.record('s1', {
        checkpointLog: { from: 0, entries: [message('a1'), message('a2')] },
        owner: 'run-a',
      });
      await store.claimSession('s1', 'run-b');
      await store.record('s1', { checkpointLog: { from: 0, entries: [message('b1')] }, owner: 'run-b' });

      for (const checkpointLog of [
        { from: 2, entries: [message('a3')] },
        { from: 0, entries: [message('late')] },
        { from: 1, entries: [] },
      ]) {
        await expect(store.record('s1', { checkpointLog, owner: 'run-a' })).rejects.toMatchObject({
          code: SESSION_TAKEN_OVER,
        });
      }
      expect(await store.loadCheckpointLog('s1')).toEqual([message('b1')]);
      await store.record('s1', { checkpointLog: { from: 1, entries: [message('b2')] }, owner: 'run-b' });
      expect(await store.loadCheckpointLog('s1')).toEqual([message('b1'), message('b2')]);
    });
  });
}
