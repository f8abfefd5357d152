import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventData } from '../core/events.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { Store } from '../core/ports/store.ts';
import { type Session, ZERO_USAGE } from '../core/session.ts';
import { describeAnalyticsStoreContract } from './analytics-store-contract.ts';
import { describeArtifactStoreContract } from './artifact-store-contract.ts';
import { describeAuditStoreContract } from './audit-store-contract.ts';
import { describeCheckpointLogStoreContract } from './checkpoint-log-store-contract.ts';
import { describeEnvironmentStoreContract } from './environment-store-contract.ts';
import { describeEvalStoreContract } from './eval-store-contract.ts';
import { describeEventLogStoreContract } from './event-log-store-contract.ts';
import { createSequentialIds } from './ids.ts';
import { describeKnowledgeStoreContract } from './knowledge-store-contract.ts';
import { describePlaybookStoreContract } from './playbook-store-contract.ts';
import { describeRepoStoreContract } from './repo-store-contract.ts';
import { describeSessionFieldsStoreContract } from './session-fields-store-contract.ts';
import { describeSessionOwnerStoreContract } from './session-owner-store-contract.ts';
import { describeSessionStoreContract } from './session-store-contract.ts';
import { describeTokenStoreContract } from './token-store-contract.ts';
import { describeTrackerConnectionStoreContract } from './tracker-connection-store-contract.ts';
import { describeTrackerMappingStoreContract } from './tracker-mapping-store-contract.ts';
import { describeTriggerStoreContract } from './trigger-store-contract.ts';

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

    describeSessionStoreContract(() => store, newSession);
    describeEventLogStoreContract(() => store, newSession);
    describeArtifactStoreContract(() => store, newSession);
    describeTokenStoreContract(() => store);
    describeTriggerStoreContract(() => store);

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
