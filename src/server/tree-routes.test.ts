import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import type { AttemptEvidence, AttemptsChoice } from '../core/attempts.ts';
import { childDigest, countFindings } from '../core/child-digest.ts';
import type { EventData } from '../core/events.ts';
import type { TokenRole } from '../core/ports/store.ts';
import { newSession } from '../store/store-contract.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';

const verdict = (round: number, passed: boolean, problems: string[] = []): EventData => ({
  type: 'gate.verdict',
  round,
  passed,
  problems,
  warnings: [],
  failToPass: passed ? ['test/a.test.ts > a', 'test/b.test.ts > b'] : [],
  passToPass: 7,
});

const evidence = (sessionId: string, overrides: Partial<AttemptEvidence> = {}): AttemptEvidence => ({
  sessionId,
  model: 'script:a',
  state: 'delivered',
  candidate: true,
  why: 'passed the gate and the review',
  failToPass: 2,
  passToPass: 7,
  regressions: 0,
  findings: { critical: 0, major: 0, minor: 1, nit: 0 },
  diff: { files: 1, insertions: 3, deletions: 1 },
  costUsd: 0.12,
  ...overrides,
});

describe('childDigest', () => {
  it("keeps the gate's and the review's last round, the coder's last stop, and sums each commit once", () => {
    const events: EventData[] = [
      { type: 'agent.stopped', step: 3, outcome: 'finished', detail: 'first try' },
      verdict(1, false, ['npm test: broke tests that passed before: x']),
      { type: 'agent.stopped', step: 1, outcome: 'finished', detail: 'approved', role: 'reviewer' },
      verdict(2, true),
      {
        type: 'review.completed',
        round: 1,
        approved: false,
        summary: 'no',
        findings: [
          { id: 'f1', round: 1, file: 'a.ts', severity: 'major', explanation: 'x' },
          { id: 'f2', round: 1, file: 'a.ts', severity: 'nit', explanation: 'y' },
        ],
      },
      { type: 'agent.stopped', step: 6, outcome: 'finished', detail: 'fixed it' },
      {
        type: 'review.completed',
        round: 2,
        approved: true,
        summary: 'ok',
        findings: [{ id: 'f3', round: 2, file: 'a.ts', severity: 'minor', explanation: 'z' }],
      },
      { type: 'delivery.committed', commit: 'c1', filesChanged: 2, insertions: 10, deletions: 4 },
      { type: 'delivery.committed', commit: 'c1', filesChanged: 2, insertions: 10, deletions: 4 },
      { type: 'delivery.committed', commit: 'c2', filesChanged: 1, insertions: 1, deletions: 0 },
    ];
    expect(childDigest(events.map((data) => ({ data })))).toEqual({
      outcome: { kind: 'finished', detail: 'fixed it' },
      gate: { round: 2, passed: true, failToPass: 2, passToPass: 7, problems: [] },
      review: { round: 2, approved: true, findings: { critical: 0, major: 0, minor: 1, nit: 0 } },
      diff: { files: 3, insertions: 11, deletions: 4 },
    });
  });

  it('is empty before anything happened', () => {
    expect(childDigest([])).toEqual({ outcome: null, gate: null, review: null, diff: null });
    expect(countFindings([{ severity: 'critical' }, { severity: 'critical' }])).toMatchObject({
      critical: 2,
    });
  });
});

describe('GET /api/sessions/:id/children and the list of top-level sessions', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;

  beforeEach(async () => {
    h = await createHarness();
    app = createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control: {
        wake: async () => {},
        cancel: async () => {
          throw new Error('unused');
        },
      },
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: '0.0.0-test',
    });
  });
  afterEach(() => h.close());

  const get = (path: string, role: TokenRole = 'viewer') =>
    conformingRequest(app)(path, { headers: { authorization: `Bearer ${h.tokens[role]}` } });
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 12, minutes)).toISOString();

  /** An attempts parent with three attempts: one fixed it, one regressed, one still runs. */
  const seedAttempts = async (choice?: AttemptsChoice) => {
    const models = ['script:a', 'script:b', 'script:c'];
    await h.store.createSession(
      newSession('best', { kind: 'attempts', attemptModels: models, state: 'working', createdAt: at(0) }),
    );
    for (const [i, id] of ['try-a', 'try-b', 'try-c'].entries()) {
      await h.store.createSession(
        newSession(id, { kind: 'attempt', parentId: 'best', model: models[i] ?? '', createdAt: at(i + 1) }),
      );
      await h.store.record('best', {
        events: [
          { type: 'child.spawned', childId: id, kind: 'attempt', task: 'fix it', model: models[i] ?? '' },
        ],
      });
    }
    await h.store.record('try-a', {
      events: [
        { type: 'agent.stopped', step: 4, outcome: 'finished', detail: 'fixed mean()' },
        verdict(1, true),
        { type: 'review.completed', round: 1, approved: true, summary: 'fine', findings: [] },
        { type: 'delivery.committed', commit: 'aaa', filesChanged: 1, insertions: 3, deletions: 1 },
      ],
      patch: { state: 'delivered', usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.12 } },
    });
    await h.store.record('try-b', {
      events: [
        { type: 'agent.stopped', step: 2, outcome: 'finished', detail: 'done' },
        verdict(3, false, ['npm test: broke tests that passed before: median']),
      ],
      patch: { state: 'bowed_out', reason: 'the gate failed 3 times' },
    });
    await h.store.record('try-c', { events: [], patch: { state: 'working' } });
    if (choice) await h.store.record('best', { events: [{ type: 'attempts.chosen', ...choice }] });
  };

  it("lists an attempts session's attempts, oldest first, each with its digest, and its choice once made", async () => {
    await seedAttempts();
    const before = await get('/api/sessions/best/children');
    expect(before.status).toBe(200);
    const body = (await before.json()) as {
      children: Array<Record<string, unknown>>;
      choice: unknown;
    };
    expect(body.choice).toBeNull();
    expect(body.children.map((child) => child.id)).toEqual(['try-a', 'try-b', 'try-c']);
    expect(body.children[0]).toMatchObject({
      kind: 'attempt',
      parentId: 'best',
      model: 'script:a',
      state: 'delivered',
      usage: { costUsd: 0.12 },
      children: 0,
      integrated: null,
      digest: {
        outcome: { kind: 'finished', detail: 'fixed mean()' },
        gate: { passed: true, failToPass: 2, passToPass: 7, problems: [] },
        review: { approved: true, findings: { critical: 0, major: 0, minor: 0, nit: 0 } },
        diff: { files: 1, insertions: 3, deletions: 1 },
      },
    });
    expect(body.children[1]).toMatchObject({
      state: 'bowed_out',
      reason: 'the gate failed 3 times',
      digest: {
        gate: { round: 3, passed: false, problems: ['npm test: broke tests that passed before: median'] },
      },
    });
    expect(body.children[2]).toMatchObject({
      state: 'working',
      digest: { outcome: null, gate: null, review: null, diff: null },
    });

    const choice: AttemptsChoice = {
      winnerId: 'try-a',
      reason: 'the only attempt that passed the gate and the review',
      ranking: [
        evidence('try-a'),
        evidence('try-b', { candidate: false, why: 'regressed 1 test', regressions: 1, state: 'bowed_out' }),
        evidence('try-c', { candidate: false, why: 'cancelled', state: 'cancelled', diff: null }),
      ],
      judge: { model: 'script:judge', verdict: 'A fixes the cause.' },
    };
    await h.store.record('best', { events: [{ type: 'attempts.chosen', ...choice }] });
    const after = (await (await get('/api/sessions/best/children')).json()) as { choice: unknown };
    expect(after.choice).toEqual(choice);
  });

  it("gives a manager's children what it integrated of them, and counts a child's own children", async () => {
    await h.store.createSession(newSession('boss', { kind: 'manager', createdAt: at(0) }));
    await h.store.createSession(newSession('part-1', { kind: 'child', parentId: 'boss', createdAt: at(1) }));
    await h.store.createSession(
      newSession('part-2', { kind: 'manager', parentId: 'boss', createdAt: at(2) }),
    );
    await h.store.createSession(
      newSession('part-2a', { kind: 'child', parentId: 'part-2', createdAt: at(3) }),
    );
    await h.store.record('boss', {
      events: [
        { type: 'child.integrated', childId: 'part-1', files: ['a.ts'], conflicts: [] },
        { type: 'child.integrated', childId: 'part-1', files: ['a.ts', 'b.ts'], conflicts: ['b.ts'] },
      ],
    });
    const body = (await (await get('/api/sessions/boss/children')).json()) as {
      children: Array<{ id: string; children: number; integrated: unknown }>;
      choice: unknown;
    };
    expect(body.choice).toBeNull();
    expect(body.children.map(({ id, children, integrated }) => ({ id, children, integrated }))).toEqual([
      { id: 'part-1', children: 0, integrated: { files: ['a.ts', 'b.ts'], conflicts: ['b.ts'] } },
      { id: 'part-2', children: 1, integrated: null },
    ]);
    // A session without children has an empty list; an unknown one is 404.
    expect(await (await get('/api/sessions/part-1/children')).json()).toEqual({ children: [], choice: null });
    const missing = await get('/api/sessions/nope/children');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'session_not_found' } });
  });

  it('needs a token', async () => {
    await seedAttempts();
    expect((await app.request('/api/sessions/best/children')).status).toBe(401);
  });

  it('lists top-level sessions with their children counted, and one parent’s children with parentId', async () => {
    await seedAttempts();
    await h.store.createSession(newSession('plain', { createdAt: at(30) }));
    await h.store.createSession(newSession('boss', { kind: 'manager', createdAt: at(31) }));
    const list = async (query = '') =>
      (
        (await (await get(`/api/sessions${query}`)).json()) as {
          sessions: Array<{ id: string; children: number; kind?: string; attemptModels?: string[] }>;
        }
      ).sessions;

    const top = await list();
    expect(top.map(({ id, children }) => ({ id, children }))).toEqual([
      { id: 'boss', children: 0 },
      { id: 'plain', children: 0 },
      { id: 'best', children: 3 },
    ]);
    expect(top.find((s) => s.id === 'best')).toMatchObject({
      kind: 'attempts',
      attemptModels: ['script:a', 'script:b', 'script:c'],
    });
    // Filters apply within the top level: a working attempt is not a working top-level session.
    expect((await list('?state=working')).map((s) => s.id)).toEqual(['best']);
    expect((await list('?parentId=best')).map((s) => s.id)).toEqual(['try-c', 'try-b', 'try-a']);
    expect((await list('?parentId=best&state=delivered')).map((s) => s.id)).toEqual(['try-a']);
    expect(await list('?parentId=plain')).toEqual([]);
  });

  it('documents the route and the fields in /api/openapi.json', async () => {
    const document = (await (await get('/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(document.paths['/api/sessions/{id}/children']).toBeDefined();
    expect(Object.keys(document.components.schemas.Session?.properties ?? {})).toEqual(
      expect.arrayContaining(['kind', 'parentId', 'attemptModels']),
    );
    expect(document.components.schemas.AttemptsChoice).toBeDefined();
  });
});
