import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../core/events.ts';
import type { EventBus, EventListener } from '../core/ports/event-bus.ts';
import type { JsonValue, Store } from '../core/ports/store.ts';
import type { Tracker } from '../core/ports/tracker.ts';
import type { SessionState } from '../core/session-state.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { newSession } from '../store/store-contract.ts';
import { originKey, toJsonValue } from './forge-link.ts';
import { type TrackerLinkData, trackerLinkKey } from './tracker-link.ts';
import { createTrackerNotifier, type TrackerNotifier } from './tracker-notifier.ts';

/** One issue in a tracker held in memory: its comments and state. */
function memoryTracker(workflow: string[]) {
  const issue = { comments: [] as string[], state: workflow[0]! };
  const tracker: Tracker = {
    kind: 'linear',
    self: async () => ({ id: 'drydock', name: 'drydock' }),
    readIssue: async () => {
      throw new Error('not read here');
    },
    comment: async (_id, body) => {
      issue.comments.push(body);
    },
    moveTo: async (_id, state) => {
      const found = workflow.find((name) => name.toLowerCase() === state.toLowerCase());
      if (!found) return false;
      issue.state = found;
      return true;
    },
  };
  return { tracker, issue };
}

function memoryBus(): EventBus {
  const listeners = new Map<string, Set<EventListener>>();
  return {
    publish: (event) => {
      for (const listener of listeners.get(event.sessionId) ?? []) listener(event);
    },
    subscribe: (sessionId, listener) => {
      const set = listeners.get(sessionId) ?? new Set();
      set.add(listener);
      listeners.set(sessionId, set);
      return () => set.delete(listener);
    },
    listenerCount: () => [...listeners.values()].reduce((n, set) => n + set.size, 0),
  };
}

describe('createTrackerNotifier', () => {
  let store: Store;
  let bus: EventBus;
  let memory: ReturnType<typeof memoryTracker>;
  let notifier: TrackerNotifier;
  let errors: unknown[];
  let seq = 0;

  const link: TrackerLinkData = {
    tracker: 'linear',
    issueId: 'issue-1',
    issueKey: 'ENG-1',
    states: { started: 'In Progress', delivered: 'In Review' },
    agentSession: null,
    done: [],
  };
  const notifierFor = () =>
    createTrackerNotifier({
      store,
      bus,
      trackers: async (kind) => (kind === 'linear' ? memory.tracker : null),
      publicUrl: 'https://drydock.example/',
      onError: (error) => errors.push(error),
    });
  /** Moves the stored session and tells the bus, as the runner does. */
  async function move(
    id: string,
    from: SessionState,
    to: SessionState,
    fields: Record<string, unknown> = {},
  ) {
    await store.record(id, { patch: { state: to, ...fields } });
    const event = {
      sessionId: id,
      seq: ++seq,
      at: new Date().toISOString(),
      data: { type: 'state.changed', from, to },
    };
    bus.publish(event as SessionEvent);
    await notifier.idle();
  }

  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    bus = memoryBus();
    memory = memoryTracker(['Todo', 'In Progress', 'In Review', 'Done']);
    errors = [];
    notifier = notifierFor();
    await store.createSession(newSession('s1', { state: 'queued' }));
    await store.linkSession(trackerLinkKey('linear', 'issue-1'), 's1', link as unknown as JsonValue);
    notifier.watch('s1');
  });
  afterEach(async () => {
    notifier.stop();
    await store.close();
  });

  it('moves the issue to started once (a follow-up turn does not move it back), and reports a local delivery', async () => {
    await move('s1', 'setup', 'working');
    expect(memory.issue.state).toBe('In Progress');
    memory.issue.state = 'Todo'; // someone moved it by hand
    await move('s1', 'reviewing', 'working');
    expect(memory.issue.state).toBe('Todo');
    await move('s1', 'delivering', 'delivered', { branch: 'drydock/fix-s1', headCommit: 'abcdef0123456789' });
    expect(memory.issue.comments).toEqual([
      'drydock delivered branch drydock/fix-s1 (commit abcdef012345): https://drydock.example/sessions/s1',
    ]);
    expect(memory.issue.state).toBe('In Review');
    // A restarted server reports missed endings only.
    const again = notifierFor();
    await again.start();
    await again.idle();
    again.stop();
    expect(memory.issue.comments).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('waits for the pull request of a forge delivery, comments its link once, then moves the issue', async () => {
    await store.linkSession(
      originKey('acme/app', 's1'),
      's1',
      toJsonValue({ origin: true, repo: 'acme/app', base: 'main', issue: null, requester: 'linear:u1' }),
    );
    await move('s1', 'delivering', 'delivered', { branch: 'drydock/fix-s1', headCommit: 'abcdef0123456789' });
    expect(memory.issue.comments).toEqual([]);
    expect(memory.issue.state).toBe('Todo');
    await store.linkSession(
      originKey('acme/app', 's1'),
      's1',
      toJsonValue({
        origin: true,
        repo: 'acme/app',
        base: 'main',
        issue: null,
        requester: 'linear:u1',
        pullUrl: 'https://github.com/acme/app/pull/7',
        publishedCommit: 'abcdef0123456789',
      }),
    );
    notifier.published('s1');
    notifier.published('s1');
    await notifier.idle();
    expect(memory.issue.comments).toEqual([
      "drydock's pull request: https://github.com/acme/app/pull/7 (commit abcdef012345)\nhttps://drydock.example/sessions/s1",
    ]);
    expect(memory.issue.state).toBe('In Review');
  });

  it('says why it bowed out without moving the issue, and says so when a state is not in the workflow', async () => {
    await move('s1', 'verifying', 'bowed_out', { reason: 'the tests still fail' });
    expect(memory.issue.comments).toEqual([
      'drydock bowed out: the tests still fail\nhttps://drydock.example/sessions/s1',
    ]);
    expect(memory.issue.state).toBe('Todo');

    await store.createSession(newSession('s2', { state: 'queued' }));
    await store.linkSession(trackerLinkKey('linear', 'issue-2'), 's2', {
      ...link,
      issueId: 'issue-2',
      issueKey: 'ENG-2',
      states: { started: 'Doing', delivered: '' },
    } as unknown as JsonValue);
    notifier.watch('s2');
    await move('s2', 'setup', 'working');
    expect(memory.issue.comments.at(-1)).toContain('could not move ENG-2 to "Doing"');
    expect(memory.issue.state).toBe('Todo');
  });
});
