import { beforeEach, describe, expect, it } from 'vitest';
import { BadInputError, NotFoundError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import type { JsonValue, Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';

function modelError(step: number): EventData {
  return { type: 'model.error', step, message: `error ${step}` };
}

/**
 * A session's event log and checkpoint: record() appends gap-free and writes all or nothing. Part of the
 * Store contract, run inside describeStoreContract. `newSession` comes from the contract.
 */
export function describeEventLogStoreContract(
  current: () => Store,
  newSession: (id: string) => Session,
): void {
  describe('record', () => {
    let store: Store;

    beforeEach(() => {
      store = current();
    });

    it('appends events gap-free after session.created, in order', async () => {
      await store.createSession(newSession('s1'));
      const first = await store.record('s1', { events: [modelError(1), modelError(2)] });
      const second = await store.record('s1', { events: [modelError(3)] });
      expect(first.map((event) => event.seq)).toEqual([2, 3]);
      expect(second.map((event) => event.seq)).toEqual([4]);
      expect(first[0]).toMatchObject({ sessionId: 's1', data: modelError(1) });

      const events = await store.listEvents('s1');
      expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
      expect(events.slice(1)).toEqual([...first, ...second]);
    });

    it('keeps event data as given, nested values included', async () => {
      await store.createSession(newSession('s1'));
      const call: EventData = {
        type: 'tool.call',
        step: 1,
        toolCallId: 'call-1',
        tool: 'edit',
        input: { path: 'src/a.ts', edits: [{ old: 'a', new: 'b\n"quoted" ✓' }], dryRun: false, n: null },
      };
      await store.record('s1', { events: [call] });
      expect((await store.listEvents('s1', 1))[0]?.data).toEqual(call);
    });

    it('numbers every event exactly once when 50 records race on one session', async () => {
      await store.createSession(newSession('s1'));
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.record('s1', { events: [modelError(i)] })),
      );
      const returned = results.flat().map((event) => event.seq);
      expect(new Set(returned).size).toBe(50);
      const events = await store.listEvents('s1');
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
      const steps = events
        .slice(1)
        .map((event) => (event.data.type === 'model.error' ? event.data.step : -1));
      expect(steps.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });

    it('keeps the usage breakdown: cache reads and writes, reasoning, an unknown price', async () => {
      await store.createSession(newSession('s1'));
      const usage = {
        inputTokens: 6_000_000_000,
        outputTokens: 300,
        costUsd: 0.5,
        cacheReadTokens: 5_000_000_000,
        cacheWriteTokens: 1_000,
        reasoningTokens: 120,
        costUnknown: true as const,
      };
      await store.record('s1', { patch: { usage } });
      expect((await store.getSession('s1'))?.usage).toEqual(usage);
      // A later patch without the breakdown (all zero, every price known) clears it.
      await store.record('s1', { patch: { usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 } } });
      expect((await store.getSession('s1'))?.usage).toEqual({
        inputTokens: 1,
        outputTokens: 1,
        costUsd: 0,
      });
    });

    it('applies the patch, touches updatedAt and leaves other fields alone', async () => {
      const session = newSession('s1');
      await store.createSession(session);
      const events = await store.record('s1', {
        events: [{ type: 'state.changed', from: 'queued', to: 'working' }],
        patch: {
          state: 'working',
          baseCommit: 'abc123',
          branch: 'drydock/s1',
          steps: 3,
          usage: { inputTokens: 5_000_000_000, outputTokens: 20, costUsd: 0.25 },
        },
      });
      const patched = await store.getSession('s1');
      expect(patched).toEqual({
        ...session,
        state: 'working',
        baseCommit: 'abc123',
        branch: 'drydock/s1',
        steps: 3,
        usage: { inputTokens: 5_000_000_000, outputTokens: 20, costUsd: 0.25 },
        updatedAt: patched?.updatedAt,
      });
      expect(patched?.updatedAt).not.toBe(session.updatedAt);
      expect(patched?.updatedAt).toBe(events[0]?.at);

      await store.record('s1', { patch: { branch: null, summary: 'done', reason: null } });
      expect(await store.getSession('s1')).toMatchObject({
        branch: null,
        summary: 'done',
        baseCommit: 'abc123',
      });
    });

    it('applies a patch without events and returns no events', async () => {
      await store.createSession(newSession('s1'));
      expect(await store.record('s1', { patch: { state: 'provisioning' } })).toEqual([]);
      expect((await store.getSession('s1'))?.state).toBe('provisioning');
      expect(await store.listEvents('s1')).toHaveLength(1);
    });

    it('throws NotFoundError naming an unknown session, and writes nothing', async () => {
      const error = await store.record('ghost', { events: [modelError(1)], checkpoint: { a: 1 } }).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ code: 'session_not_found', message: expect.stringContaining('ghost') });
      expect(await store.listEvents('ghost')).toEqual([]);
      expect(await store.loadCheckpoint('ghost')).toBeNull();
    });
  });

  describe('record is all or nothing', () => {
    let store: Store;
    let before: Session;

    async function expectUnchanged(
      id: string,
      before: Session,
      events: number,
      checkpoint: JsonValue | null,
    ) {
      expect(await store.getSession(id)).toEqual(before);
      expect(await store.listEvents(id)).toHaveLength(events);
      expect(await store.loadCheckpoint(id)).toEqual(checkpoint);
    }

    beforeEach(async () => {
      store = current();
      await store.createSession(newSession('s1'));
      await store.record('s1', { events: [modelError(1)], checkpoint: { turn: 1 } });
      before = (await store.getSession('s1'))!;
    });

    it('writes nothing when the checkpoint cannot be serialized', async () => {
      const checkpoint = { turn: 2, tokens: 10n } as unknown as JsonValue;
      await expect(
        store.record('s1', { events: [modelError(2)], patch: { state: 'working', steps: 2 }, checkpoint }),
      ).rejects.toBeInstanceOf(BadInputError);
      await expectUnchanged('s1', before, 2, { turn: 1 });
    });

    it('writes nothing when one event cannot be serialized', async () => {
      const cyclic: Record<string, unknown> = { type: 'tool.call', step: 2, toolCallId: 'c', tool: 'x' };
      cyclic.input = cyclic;
      await expect(
        store.record('s1', {
          events: [modelError(2), cyclic as unknown as EventData],
          patch: { state: 'working' },
          checkpoint: { turn: 2 },
        }),
      ).rejects.toBeInstanceOf(BadInputError);
      await expectUnchanged('s1', before, 2, { turn: 1 });
    });

    it('writes nothing when the patch is invalid', async () => {
      for (const patch of [
        { state: 'sleeping' },
        { steps: -1 },
        { usage: { inputTokens: 1, outputTokens: 1, costUsd: Number.NaN } },
        { createdAt: '2030-01-01T00:00:00.000Z' },
      ]) {
        const write = { events: [modelError(2)], patch, checkpoint: { turn: 2 } };
        await expect(store.record('s1', write as never)).rejects.toMatchObject({
          code: 'invalid_session_patch',
        });
      }
      await expectUnchanged('s1', before, 2, { turn: 1 });
    });

    it('keeps working after a failed record', async () => {
      await expect(store.record('s1', { patch: { state: 'nope' as never } })).rejects.toThrow();
      const [event] = await store.record('s1', { events: [modelError(2)] });
      expect(event?.seq).toBe(3);
    });
  });

  describe('checkpoints', () => {
    let store: Store;

    beforeEach(() => {
      store = current();
    });

    it('round-trips, and a new checkpoint replaces the old one instead of merging', async () => {
      await store.createSession(newSession('s1'));
      expect(await store.loadCheckpoint('s1')).toBeNull();
      const checkpoint: JsonValue = {
        messages: [{ role: 'user', content: 'hi' }],
        plan: ['a', 'b'],
        n: 1.5,
      };
      await store.record('s1', { checkpoint });
      expect(await store.loadCheckpoint('s1')).toEqual(checkpoint);

      await store.record('s1', { checkpoint: { plan: ['c'] } });
      expect(await store.loadCheckpoint('s1')).toEqual({ plan: ['c'] });
    });

    it('keeps the checkpoint when a record leaves it out', async () => {
      await store.createSession(newSession('s1'));
      await store.record('s1', { checkpoint: [1, 2, 3] });
      await store.record('s1', { events: [modelError(1)] });
      expect(await store.loadCheckpoint('s1')).toEqual([1, 2, 3]);
    });

    it('is per session', async () => {
      await store.createSession(newSession('s1'));
      await store.createSession(newSession('s2'));
      await store.record('s1', { checkpoint: 'one' });
      expect(await store.loadCheckpoint('s2')).toBeNull();
      expect(await store.loadCheckpoint('missing')).toBeNull();
    });
  });

  describe('listEvents', () => {
    let store: Store;

    beforeEach(() => {
      store = current();
    });

    it('reads after a cursor and up to a limit', async () => {
      await store.createSession(newSession('s1'));
      await store.createSession(newSession('s2'));
      await store.record('s1', { events: [1, 2, 3, 4, 5].map(modelError) });
      await store.record('s2', { events: [modelError(9)] });

      const seqs = async (after?: number, limit?: number) =>
        (await store.listEvents('s1', after, limit)).map((event) => event.seq);
      expect(await seqs()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await seqs(3)).toEqual([4, 5, 6]);
      expect(await seqs(3, 2)).toEqual([4, 5]);
      expect(await seqs(0, 1)).toEqual([1]);
      expect(await seqs(6)).toEqual([]);
      expect(await store.listEvents('missing')).toEqual([]);
    });
  });
}
