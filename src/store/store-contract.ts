import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadInputError, NotFoundError } from '../core/errors.ts';
import type { EventData } from '../core/events.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { JsonValue, Store } from '../core/ports/store.ts';
import { type Session, ZERO_USAGE } from '../core/session.ts';
import { describeAnalyticsStoreContract } from './analytics-store-contract.ts';
import { describeAuditStoreContract } from './audit-store-contract.ts';
import { describeCheckpointLogStoreContract } from './checkpoint-log-store-contract.ts';
import { describeEnvironmentStoreContract } from './environment-store-contract.ts';
import { describeEvalStoreContract } from './eval-store-contract.ts';
import { createSequentialIds } from './ids.ts';
import { describeKnowledgeStoreContract } from './knowledge-store-contract.ts';
import { describePlaybookStoreContract } from './playbook-store-contract.ts';
import { describeRepoStoreContract } from './repo-store-contract.ts';
import { describeSessionFieldsStoreContract } from './session-fields-store-contract.ts';
import { describeSessionOwnerStoreContract } from './session-owner-store-contract.ts';
import { describeTrackerConnectionStoreContract } from './tracker-connection-store-contract.ts';
import { describeTrackerMappingStoreContract } from './tracker-mapping-store-contract.ts';

export interface StoreDeps {
  clock: Clock;
  ids: IdGenerator;
}

export interface StoreHarness {
  /** A new, empty store. */
  store: Store;
  /** Opens the same data again, after the test closed `store`. Required when the store is durable. */
  reopen?: () => Promise<Store>;
}

export interface StoreContractOptions {
  /** Whether data outlives close() (a file, a server); the harness must then provide `reopen`. */
  durable: boolean;
}

const START_MS = Date.parse('2025-01-01T00:00:00.000Z');

/** A clock that moves one second forward every time it is read, so every timestamp is distinct. */
function createSteppingClock(): Clock {
  let ms = START_MS;
  return {
    now: () => {
      ms += 1000;
      return new Date(ms);
    },
  };
}

export function newSession(id: string, overrides: Partial<Session> = {}): Session {
  return {
    id,
    state: 'queued',
    task: `task for ${id}`,
    repo: '/repos/app',
    ref: 'main',
    baseCommit: null,
    headCommit: null,
    branch: null,
    model: 'scripted:test',
    steps: 0,
    usage: ZERO_USAGE,
    summary: null,
    reason: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function modelError(step: number): EventData {
  return { type: 'model.error', step, message: `error ${step}` };
}

/** The Store port's contract. Every implementation runs it (SQLite in memory and on disk, Postgres). */
export function describeStoreContract(
  name: string,
  makeStore: (deps: StoreDeps) => Promise<StoreHarness>,
  options: StoreContractOptions,
): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    const opened: Store[] = [];

    beforeEach(async () => {
      harness = await makeStore({ clock: createSteppingClock(), ids: createSequentialIds('artifact-') });
      store = harness.store;
      opened.push(store);
    });

    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
    });

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

    describe('sessions', () => {
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
        await store.createSession(
          newSession('c', { createdAt: '2025-01-01T00:00:03.000Z', state: 'working' }),
        );
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

    describe('record', () => {
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
      let before: Session;

      beforeEach(async () => {
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

    describe('artifacts', () => {
      it('puts, gets and lists artifacts without their content', async () => {
        await store.createSession(newSession('s1'));
        await store.createSession(newSession('s2'));
        const log = await store.putArtifact({
          sessionId: 's1',
          name: 'test-output.txt',
          contentType: 'text/plain',
          content: 'line 1\nline 2\n',
        });
        const diff = await store.putArtifact({
          sessionId: 's1',
          name: 'change.diff',
          contentType: 'text/x-diff',
          content: '--- a\n+++ b\n',
        });
        expect(log).toMatchObject({ id: 'artifact-1', sessionId: 's1', name: 'test-output.txt' });
        expect(Number.isNaN(Date.parse(log.createdAt))).toBe(false);

        expect(await store.getArtifact(log.id)).toEqual(log);
        expect(await store.getArtifact('missing')).toBeNull();
        const { content: _logContent, ...logMeta } = log;
        const { content: _diffContent, ...diffMeta } = diff;
        expect(await store.listArtifacts('s1')).toEqual([logMeta, diffMeta]);
        expect(await store.listArtifacts('s2')).toEqual([]);
      });

      it('refuses an artifact for an unknown session', async () => {
        await expect(
          store.putArtifact({ sessionId: 'ghost', name: 'x', contentType: 'text/plain', content: '' }),
        ).rejects.toMatchObject({ code: 'session_not_found' });
      });
    });

    describe('tokens', () => {
      it('creates, finds by hash and lists tokens oldest first', async () => {
        const admin = await store.createToken({ name: 'ci', role: 'admin', tokenHash: 'a'.repeat(64) });
        const viewer = await store.createToken({ name: 'dash', role: 'viewer', tokenHash: 'b'.repeat(64) });
        expect(admin).toMatchObject({ name: 'ci', role: 'admin', tokenHash: 'a'.repeat(64) });
        expect(admin.id).not.toBe(viewer.id);
        expect(await store.findTokenByHash('b'.repeat(64))).toEqual(viewer);
        expect(await store.findTokenByHash('c'.repeat(64))).toBeNull();
        expect(await store.listTokens()).toEqual([admin, viewer]);
      });

      it('refuses a second token with the same hash', async () => {
        await store.createToken({ name: 'one', role: 'member', tokenHash: 'd'.repeat(64) });
        await expect(
          store.createToken({ name: 'two', role: 'admin', tokenHash: 'd'.repeat(64) }),
        ).rejects.toMatchObject({ kind: 'conflict', code: 'token_exists' });
        expect((await store.listTokens()).map((token) => token.name)).toEqual(['one']);
      });
    });

    describe('deliveries, links and triggers', () => {
      it('claims a delivery once, even when claims race', async () => {
        const claims = await Promise.all([1, 2, 3].map(() => store.claimDelivery('github', 'd-1')));
        expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
        await store.finishDelivery('github', 'd-1', { sessionId: 's1', outcome: 'started' });
        const again = await store.claimDelivery('github', 'd-1');
        expect(again).toMatchObject({ claimed: false, delivery: { sessionId: 's1', outcome: 'started' } });
        expect((await store.claimDelivery('sentry', 'd-1')).claimed).toBe(true);
      });

      it('links keys to one session each and lists them by session or prefix', async () => {
        await store.linkSession('github:o/r#1', 's1', { issue: 1 });
        await store.linkSession('github:o/r#2', 's1', { pr: 2 });
        await store.linkSession('slack:C1/1.2', 's2', {});
        await store.linkSession('github:o/r#2', 's1', { pr: 2, pushed: 'abc' });
        await expect(store.linkSession('github:o/r#1', 's2', {})).rejects.toMatchObject({
          code: 'link_taken',
        });
        expect(await store.findLink('github:o/r#2')).toMatchObject({
          sessionId: 's1',
          data: { pr: 2, pushed: 'abc' },
        });
        expect(await store.findLink('github:o/r#3')).toBeNull();
        expect((await store.listLinks({ sessionId: 's1' })).map((link) => link.key)).toEqual([
          'github:o/r#1',
          'github:o/r#2',
        ]);
        expect((await store.listLinks({ prefix: 'slack:' })).map((link) => link.sessionId)).toEqual(['s2']);
      });

      it('creates, updates, lists and deletes triggers; names are unique per kind', async () => {
        const hook = await store.createTrigger({
          kind: 'hook',
          name: 'alerts',
          config: { repo: 'r' },
          secret: 'enc',
        });
        await expect(
          store.createTrigger({ kind: 'hook', name: 'alerts', config: {}, secret: null }),
        ).rejects.toMatchObject({ code: 'trigger_exists' });
        await store.createTrigger({ kind: 'schedule', name: 'alerts', config: {}, secret: null });
        const updated = await store.updateTrigger(hook.id, { config: { repo: 's' } });
        expect(updated).toMatchObject({ config: { repo: 's' }, secret: 'enc' });
        expect(await store.findTrigger('hook', 'alerts')).toEqual(updated);
        expect((await store.listTriggers('schedule')).map((t) => t.name)).toEqual(['alerts']);
        expect(await store.deleteTrigger(hook.id)).toBe(true);
        expect(await store.getTrigger(hook.id)).toBeNull();
        await expect(store.updateTrigger(hook.id, { config: {} })).rejects.toMatchObject({
          code: 'trigger_not_found',
        });
      });
    });

    describe('text', () => {
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

    it.runIf(options.durable)('keeps everything across close and reopen', async () => {
      const session = newSession('s1');
      await store.createSession(session);
      await store.record('s1', {
        events: [modelError(1)],
        patch: { state: 'working' },
        checkpoint: { turn: 1 },
        checkpointLog: { from: 0, entries: [{ role: 'user', content: 'kept' }] },
      });
      const artifact = await store.putArtifact({
        sessionId: 's1',
        name: 'a.txt',
        contentType: 'text/plain',
        content: 'kept',
      });
      const token = await store.createToken({ name: 't', role: 'viewer', tokenHash: 'e'.repeat(64) });
      const sessionBefore = await store.getSession('s1');
      const eventsBefore = await store.listEvents('s1');
      await store.close();

      expect(harness.reopen, 'a durable store needs reopen').toBeDefined();
      const reopened = await harness.reopen!();
      opened.push(reopened);
      expect(await reopened.getSession('s1')).toEqual(sessionBefore);
      expect(await reopened.listEvents('s1')).toEqual(eventsBefore);
      expect(await reopened.loadCheckpoint('s1')).toEqual({ turn: 1 });
      expect(await reopened.loadCheckpointLog('s1')).toEqual([{ role: 'user', content: 'kept' }]);
      expect(await reopened.getArtifact(artifact.id)).toEqual(artifact);
      expect(await reopened.findTokenByHash('e'.repeat(64))).toEqual(token);
      const [next] = await reopened.record('s1', { events: [modelError(2)] });
      expect(next?.seq).toBe(3);
    });

    describeEnvironmentStoreContract(() => store);

    describeSessionOwnerStoreContract(() => store, newSession);

    describeSessionFieldsStoreContract(() => store, newSession);

    describeCheckpointLogStoreContract(() => store, newSession);

    describeRepoStoreContract(() => store);
    describeTrackerMappingStoreContract(() => store);
    describeTrackerConnectionStoreContract(() => store);

    describeEvalStoreContract(() => store);

    describeAnalyticsStoreContract(() => store);
    describeKnowledgeStoreContract(() => store);
    describePlaybookStoreContract(() => store);
    describeAuditStoreContract(() => store);
  });
}
