import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import type { TokenRole } from '../core/ports/store.ts';
import { createInProcessQueue } from '../queue/in-process-queue.ts';
import { createChildSession } from '../sessions/child-session.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';
import { createSessionControl } from './session-control.ts';

describe('/api/limits and refusals under a spent limit (in-process)', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let repo: string;

  beforeEach(async () => {
    h = await createHarness();
    // The server's own limit, as DRYDOCK_SPEND_LIMIT_MONTHLY_USD=50 sets it.
    h.deps.spendLimits = [{ scope: 'global', period: 'month', amountUsd: 50, source: 'env' }];
    const control = createSessionControl({ store: h.store, queue: createInProcessQueue(), worker: null });
    app = createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control: { wake: (id) => control.wake(id), cancel: (id) => control.cancel(id) },
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: '0.0.0-test',
    });
    repo = (await h.register()).repo;
  });
  afterEach(async () => {
    await h.close();
  });

  const call = (method: string, path: string, options: { role?: TokenRole; body?: unknown } = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${h.tokens[options.role ?? 'admin']}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    // Every answer is checked against the route's declared (and documented) statuses and schemas.
    return conformingRequest(app)(path, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  };
  /** Spends `usd` on `repo` as a finished model call would. */
  const spend = async (usd: number) => {
    const reservation = await h.store.reserveSpend({ sessionId: 'earlier', repo, estimateUsd: usd });
    if (!reservation.ok) throw new Error('the spend fits');
    await h.store.settleSpend(reservation.id, usd);
  };

  it('lets an admin set, list and remove limits, each with what was spent and when it resets', async () => {
    const set = await call('PUT', '/api/limits', {
      body: { scope: `repo:${repo}`, period: 'day', amountUsd: 5 },
    });
    expect(set.status).toBe(200);
    await spend(1.25);
    const listed = await call('GET', '/api/limits');
    const { limits } = (await listed.json()) as { limits: Array<Record<string, unknown>> };
    expect(limits).toEqual([
      expect.objectContaining({
        scope: 'global',
        period: 'month',
        amountUsd: 50,
        source: 'env',
        spentUsd: 1.25,
      }),
      expect.objectContaining({
        scope: `repo:${repo}`,
        period: 'day',
        amountUsd: 5,
        source: 'store',
        spentUsd: 1.25,
      }),
    ]);
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(limits[1]?.resetsAt).toBe(tomorrow.toISOString());

    const query = new URLSearchParams({ scope: `repo:${repo}`, period: 'day' });
    expect((await call('DELETE', `/api/limits?${query}`)).status).toBe(204);
    const again = await call('DELETE', `/api/limits?${query}`);
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('spend_limit_not_found');
  });

  it('refuses members, and limits that are not limits', async () => {
    const body = { scope: 'global', period: 'day', amountUsd: 5 };
    expect((await call('PUT', '/api/limits', { role: 'member', body })).status).toBe(403);
    expect((await call('GET', '/api/limits', { role: 'member' })).status).toBe(403);
    const badScope = await call('PUT', '/api/limits', { body: { ...body, scope: 'team:core' } });
    expect(badScope.status).toBe(400);
    expect(((await badScope.json()) as { error: { fields: object } }).error.fields).toHaveProperty('scope');
    const badAmount = await call('PUT', '/api/limits', { body: { ...body, amountUsd: -1 } });
    expect(badAmount.status).toBe(400);
  });

  it('refuses new sessions, attempts, follow-ups and children under a spent limit with spend_limit_reached and its details', async () => {
    const earlier = (await (
      await call('POST', '/api/sessions', { role: 'member', body: { repo, task: 'fix mean()' } })
    ).json()) as { id: string };
    await h.store.record(earlier.id, { events: [], patch: { state: 'bowed_out' } });
    // Spent before the limit was lowered under it.
    await spend(2.5);
    await call('PUT', '/api/limits', { body: { scope: `repo:${repo}`, period: 'day', amountUsd: 2 } });

    const refused = await call('POST', '/api/sessions', {
      role: 'member',
      body: { repo, task: 'fix mean()' },
    });
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as {
      error: { code: string; message: string; details: unknown };
    };
    expect(error.code).toBe('spend_limit_reached');
    expect(error.message).toContain(`daily spend limit for repo ${repo} reached: $2.50 of $2.00; resets `);
    const tomorrow = new Date();
    tomorrow.setUTCHours(24, 0, 0, 0);
    expect(error.details).toEqual({
      limit: { scope: `repo:${repo}`, period: 'day', amountUsd: 2 },
      spentUsd: 2.5,
      resetsAt: tomorrow.toISOString(),
    });

    const attempts = await call('POST', '/api/sessions', {
      role: 'member',
      body: { repo, task: 'fix mean()', attempts: 2 },
    });
    expect(attempts.status).toBe(409);
    const followUp = await call('POST', `/api/sessions/${earlier.id}/messages`, {
      role: 'member',
      body: { text: 'try again' },
    });
    expect(followUp.status).toBe(409);
    expect(((await followUp.json()) as { error: { code: string } }).error.code).toBe('spend_limit_reached');
    expect((await h.store.getSession(earlier.id))?.state).toBe('bowed_out');
    const parent = await h.store.getSession(earlier.id);
    if (!parent) throw new Error('the session exists');
    await expect(
      createChildSession(h.deps, parent, { kind: 'child', task: 'a part', model: 'script:demo' }),
    ).rejects.toThrow(/daily spend limit for repo .* reached/);
    expect(await h.store.listSessions()).toHaveLength(1);

    // Raised, the same request is taken.
    await call('PUT', '/api/limits', { body: { scope: `repo:${repo}`, period: 'day', amountUsd: 10 } });
    expect(
      (await call('POST', '/api/sessions', { role: 'member', body: { repo, task: 'fix mean()' } })).status,
    ).toBe(201);
  });
});
