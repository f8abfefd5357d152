import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import { isSessionTakenOver, SESSION_TAKEN_OVER, type Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';

function step(step: number): EventData {
  return { type: 'model.error', step, message: `step ${step}` };
}

/**
 * Fencing: a session's owner and the record() writes that name one. Part of the Store contract, run
 * inside describeStoreContract. `newSession` comes from the contract, so this file does not import it.
 */
export function describeSessionOwnerStoreContract(
  current: () => Store,
  newSession: (id: string) => Session,
): void {
  describe('session owner (fencing)', () => {
    it('writes a fenced record only while its owner owns the session', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await store.claimSession('s1', 'run-a');
      const written = await store.record('s1', {
        events: [step(1)],
        patch: { steps: 1 },
        checkpoint: { by: 'a' },
        owner: 'run-a',
      });
      expect(written.map((event) => event.seq)).toEqual([2]);
      expect((await store.getSession('s1'))?.steps).toBe(1);
      expect(await store.loadCheckpoint('s1')).toEqual({ by: 'a' });
    });

    it('refuses a write of a run whose session was claimed since, writing nothing of it', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await store.claimSession('s1', 'run-a');
      await store.record('s1', { events: [step(1)], checkpoint: { by: 'a' }, owner: 'run-a' });
      // Run A's lease expired; run B claims the session and writes.
      await store.claimSession('s1', 'run-b');
      await store.record('s1', {
        events: [step(2)],
        patch: { steps: 2 },
        checkpoint: { by: 'b' },
        owner: 'run-b',
      });
      const before = await store.getSession('s1');

      const late = store.record('s1', {
        events: [step(99)],
        patch: { steps: 99, state: 'failed' },
        checkpoint: { by: 'a' },
        owner: 'run-a',
      });
      await expect(late).rejects.toBeInstanceOf(ConflictError);
      await expect(late).rejects.toMatchObject({ code: SESSION_TAKEN_OVER });
      expect(isSessionTakenOver(await late.catch((error: unknown) => error))).toBe(true);
      expect(await store.getSession('s1')).toEqual(before);
      expect((await store.listEvents('s1')).map((event) => event.seq)).toEqual([1, 2, 3]);
      expect(await store.loadCheckpoint('s1')).toEqual({ by: 'b' });
      // B goes on writing.
      const [next] = await store.record('s1', { events: [step(3)], owner: 'run-b' });
      expect(next?.seq).toBe(4);
    });

    it('refuses a fenced write to a session nobody claimed, and lets unfenced writes through', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await expect(store.record('s1', { events: [step(1)], owner: 'run-a' })).rejects.toMatchObject({
        code: SESSION_TAKEN_OVER,
      });
      expect(await store.listEvents('s1')).toHaveLength(1);
      await store.claimSession('s1', 'run-a');
      // A write without an owner (the CLI, a cancel request) is not fenced.
      const [cancel] = await store.record('s1', { events: [{ type: 'cancel.requested' }] });
      expect(cancel?.seq).toBe(2);
    });

    it('lets a run claim again after another, and reports an unknown session as not found', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await store.claimSession('s1', 'run-a');
      await store.claimSession('s1', 'run-b');
      await store.claimSession('s1', 'run-a');
      await expect(store.record('s1', { events: [step(1)], owner: 'run-b' })).rejects.toMatchObject({
        code: SESSION_TAKEN_OVER,
      });
      expect(await store.record('s1', { events: [step(1)], owner: 'run-a' })).toHaveLength(1);
      await expect(store.claimSession('nope', 'run-a')).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.record('nope', { events: [step(1)], owner: 'run-a' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it('orders concurrent fenced writes and claims: no write of the old owner lands after a claim', async () => {
      const store = current();
      await store.createSession(newSession('s1'));
      await store.claimSession('s1', 'run-a');
      const writes = Array.from({ length: 20 }, (_, index) =>
        store.record('s1', { events: [step(index)], checkpoint: { by: 'a', index }, owner: 'run-a' }).then(
          () => 'written' as const,
          (error: unknown) => {
            if (isSessionTakenOver(error)) return 'refused' as const;
            throw error;
          },
        ),
      );
      const claimed = store.claimSession('s1', 'run-b');
      const outcomes = await Promise.all(writes);
      await claimed;
      // Whatever the interleaving, once B's write is in, nothing of A's follows it.
      await store.record('s1', {
        events: [{ type: 'cancel.requested' }],
        checkpoint: { by: 'b' },
        owner: 'run-b',
      });
      await expect(store.record('s1', { events: [step(100)], owner: 'run-a' })).rejects.toMatchObject({
        code: SESSION_TAKEN_OVER,
      });
      const events = await store.listEvents('s1');
      expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
      expect(events).toHaveLength(1 + outcomes.filter((outcome) => outcome === 'written').length + 1);
      expect(events.at(-1)?.data.type).toBe('cancel.requested');
      expect(await store.loadCheckpoint('s1')).toEqual({ by: 'b' });
    });
  });
}
