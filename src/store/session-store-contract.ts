import { beforeEach, describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import type { Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';

const START_MS = Date.parse('2025-01-01T00:00:00.000Z');

/**
 * Sessions: create, find and list them, and the text they keep. Part of the Store contract, run inside
 * describeStoreContract. `newSession` comes from the contract, so this file does not import it.
 */
export function describeSessionStoreContract(
  current: () => Store,
  newSession: (id: string, overrides?: Partial<Session>) => Session,
): void {
  describe('sessions', () => {
    let store: Store;

    beforeEach(() => {
      store = current();
    });

    it('creates a session with its session.created event as seq 1', async () => {
      const session = newSession('s1', { task: 'fix the flaky test', model: 'anthropic:claude' });
      const created = await store.createSession(session);
      expect(created).toMatchObject({
        sessionId: 's1',
        seq: 1,
        data: {
          type: 'session.created',
          task: 'fix the flaky test',
          repo: '/repos/app',
          ref: 'main',
          model: 'anthropic:claude',
        },
      });
      expect(Number.isNaN(Date.parse(created.at))).toBe(false);
      expect(await store.getSession('s1')).toEqual(session);
      expect(await store.listEvents('s1')).toEqual([created]);
    });

    it('returns null for an unknown session', async () => {
      expect(await store.getSession('missing')).toBeNull();
    });

    it('refuses a second session with the same id and keeps the first', async () => {
      await store.createSession(newSession('s1', { task: 'first' }));
      await expect(store.createSession(newSession('s1', { task: 'second' }))).rejects.toMatchObject({
        code: 'session_exists',
      });
      expect((await store.getSession('s1'))?.task).toBe('first');
      expect(await store.listEvents('s1')).toHaveLength(1);
    });

    it('lets exactly one of two racing creates of one id win', async () => {
      const results = await Promise.allSettled([
        store.createSession(newSession('s1', { task: 'first' })),
        store.createSession(newSession('s1', { task: 'second' })),
      ]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((result) => result.status === 'rejected');
      expect(rejected?.reason).toMatchObject({ code: 'session_exists' });
      expect(await store.listEvents('s1')).toHaveLength(1);
    });

    it('lists newest first, filtered by state and repo, up to a limit', async () => {
      await store.createSession(newSession('a', { createdAt: '2025-01-01T00:00:01.000Z' }));
      await store.createSession(
        newSession('b', { createdAt: '2025-01-01T00:00:02.000Z', state: 'working', repo: '/repos/other' }),
      );
      await store.createSession(newSession('c', { createdAt: '2025-01-01T00:00:03.000Z', state: 'working' }));
      await store.createSession(newSession('d', { createdAt: '2025-01-01T00:00:04.000Z' }));

      const ids = (sessions: Session[]) => sessions.map((session) => session.id);
      expect(ids(await store.listSessions())).toEqual(['d', 'c', 'b', 'a']);
      expect(ids(await store.listSessions({ state: 'working' }))).toEqual(['c', 'b']);
      expect(ids(await store.listSessions({ repo: '/repos/app' }))).toEqual(['d', 'c', 'a']);
      expect(ids(await store.listSessions({ state: 'working', repo: '/repos/app' }))).toEqual(['c']);
      expect(ids(await store.listSessions({ limit: 2 }))).toEqual(['d', 'c']);
      expect(await store.listSessions({ state: 'failed' })).toEqual([]);
      expect(ids(await store.listSessions({ order: 'oldest' }))).toEqual(['a', 'b', 'c', 'd']);
      expect(ids(await store.listSessions({ state: 'queued', order: 'oldest', limit: 1 }))).toEqual(['a']);
    });

    it('finds sessions by words of their task, id or branch, ignoring case and wildcards', async () => {
      await store.createSession(
        newSession('s-one', { task: 'Fix the Flaky login test', createdAt: '2025-01-01T00:00:01.000Z' }),
      );
      await store.createSession(
        newSession('s-two', { task: 'Bump deps to 100% green', createdAt: '2025-01-01T00:00:02.000Z' }),
      );
      await store.createSession(
        newSession('s-three', {
          task: 'Fix the parser',
          branch: 'drydock/login-x',
          createdAt: '2025-01-01T00:00:03.000Z',
        }),
      );
      const ids = async (text: string) =>
        (await store.listSessions({ text, order: 'oldest' })).map((session) => session.id);
      expect(await ids('fix LOGIN')).toEqual(['s-one', 's-three']);
      expect(await ids('flaky')).toEqual(['s-one']);
      expect(await ids('S-TWO')).toEqual(['s-two']);
      // % and _ are literal characters, not wildcards.
      expect(await ids('100%')).toEqual(['s-two']);
      expect(await ids('%')).toEqual(['s-two']);
      expect(await ids('fix_')).toEqual([]);
      expect(await ids('  ')).toEqual(['s-one', 's-two', 's-three']);
    });

    it('lists at most 100 sessions by default', async () => {
      for (let i = 0; i < 101; i++) {
        const createdAt = new Date(START_MS + i * 1000).toISOString();
        await store.createSession(newSession(`s${i}`, { createdAt }));
      }
      const listed = await store.listSessions();
      expect(listed).toHaveLength(100);
      expect(listed[0]?.id).toBe('s100');
      expect(listed.at(-1)?.id).toBe('s1');
    });

    it('rejects a negative limit', async () => {
      await expect(store.listSessions({ limit: -1 })).rejects.toBeInstanceOf(BadInputError);
    });
  });

  describe('text', () => {
    let store: Store;

    beforeEach(() => {
      store = current();
    });

    it('stores NUL in text fields as U+FFFD, which Postgres can hold, and keeps it in JSON', async () => {
      await store.createSession(newSession('s1', { task: 'find -print0\0output' }));
      expect((await store.getSession('s1'))?.task).toBe('find -print0\uFFFDoutput');

      const event: EventData = { type: 'model.error', step: 1, message: 'a\0b' };
      await store.record('s1', {
        events: [event],
        patch: { summary: 'done\0' },
        checkpoint: { out: '\0' },
      });
      expect((await store.getSession('s1'))?.summary).toBe('done\uFFFD');
      expect((await store.listEvents('s1', 1))[0]?.data).toEqual(event);
      expect(await store.loadCheckpoint('s1')).toEqual({ out: '\0' });

      const artifact = await store.putArtifact({
        sessionId: 's1',
        name: 'cat.txt',
        contentType: 'text/plain',
        content: 'ELF\0\0\u0001 é',
      });
      expect(artifact.content).toBe('ELF\uFFFD\uFFFD\u0001 é');
      expect(await store.getArtifact(artifact.id)).toEqual(artifact);
    });
  });
}
