import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedEvalRuns } from '../../test/support/eval-runs.ts';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import type { TokenRole } from '../core/ports/store.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';

describe('/api/evals (in-process)', () => {
  let h: Harness;
  let request: ReturnType<typeof conformingRequest>;

  beforeEach(async () => {
    h = await createHarness();
    const app = createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control: {
        wake: async () => {},
        cancel: async () => {
          throw new Error('unused');
        },
      },
      defaultModel: 'script:demo',
      allowScriptModels: false,
      version: '0.0.0-test',
    });
    // Every answer is checked against the route's declared (and documented) statuses and schemas.
    request = conformingRequest(app);
  });
  afterEach(() => h.close());

  const get = (path: string, role: TokenRole | null = 'viewer') =>
    request(path, role ? { headers: { authorization: `Bearer ${h.tokens[role]}` } } : {});

  it('lists nothing before any evaluation ran', async () => {
    const response = await get('/api/evals');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ runs: [] });
  });

  it('lists runs newest first, each summarized from its instances, to any role', async () => {
    await seedEvalRuns(h.store);
    for (const role of ['viewer', 'member', 'admin'] as const) {
      const response = await get('/api/evals', role);
      expect(response.status, role).toBe(200);
      const { runs } = (await response.json()) as {
        runs: Array<{ run: { id: string; model: string }; summary: Record<string, unknown> }>;
      };
      expect(runs.map(({ run }) => run.id)).toEqual(['eval-new', 'eval-old']);
      expect(runs[0]?.run.model).toBe('anthropic:claude-sonnet-4-5');
      // Finished: two delivered (one resolved, one not), one bowed out, one failed; one still pending.
      expect(runs[0]?.summary).toMatchObject({
        total: 5,
        finished: 4,
        delivered: 2,
        resolved: 1,
        badDeliveries: 1,
        bowedOut: 1,
        failed: 1,
        resolveRate: 0.25,
        deliveredRate: 0.5,
        precision: 0.5,
        badDeliveryRate: 0.25,
        costUsd: 1.5,
        costPerResolvedUsd: 1.5,
        wallMsP50: 60_000,
        wallMsP95: 120_000,
      });
      expect(runs[1]?.summary).toMatchObject({
        total: 1,
        resolved: 1,
        resolveRate: 1,
        costPerResolvedUsd: 0,
      });
    }
  });

  it('shows a run with its summary, per repository, and its instances in the order they started', async () => {
    const { latest } = await seedEvalRuns(h.store);
    const response = await get('/api/evals/eval-new');
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      run: { id: string; state: string; total: number };
      summary: { resolved: number; badDeliveries: number };
      repos: unknown[];
      instances: Array<{
        instanceId: string;
        sessionId: string | null;
        grading: unknown;
        reason: string | null;
      }>;
    };
    expect(body.run).toMatchObject({ id: 'eval-new', state: 'running', total: 5, name: 'swe-mini' });
    expect(body.summary).toMatchObject({ resolved: 1, badDeliveries: 1 });
    expect(body.repos).toEqual([
      {
        repo: 'acme/app',
        total: 2,
        finished: 2,
        delivered: 2,
        resolved: 1,
        badDeliveries: 1,
        costUsd: 1.25,
        costUnknown: false,
      },
      {
        repo: 'acme/lib',
        total: 3,
        finished: 2,
        delivered: 0,
        resolved: 0,
        badDeliveries: 0,
        costUsd: 0.25,
        costUnknown: false,
      },
    ]);
    expect(body.instances.map((i) => i.instanceId)).toEqual(latest.map((i) => i.instanceId));
    expect(body.instances[1]).toMatchObject({ sessionId: 'sess-n2', grading: latest[1]?.grading });
    expect(body.instances[2]?.reason).toBe('the gate kept failing on test/parse.test.js');
  });

  it('answers 404 with the error body for an unknown run, and 401 without a token', async () => {
    await seedEvalRuns(h.store);
    const missing = await get('/api/evals/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'eval_run_not_found', message: expect.stringContaining('nope') },
    });
    for (const path of ['/api/evals', '/api/evals/eval-new']) {
      const anonymous = await get(path, null);
      expect(anonymous.status, path).toBe(401);
    }
  });
});
