import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import type { TokenRole } from '../core/ports/store.ts';
import { createSecretBox } from '../environments/secret-box.ts';
import { createModelRouter } from '../models/router.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';

const KEY = 'sk-ant-test-key-never-shown';

/** What the web UI's forms need from the API: pickers, every error at once, search, schedules run now. */
describe('API for the web forms (in-process)', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let woken: string[];
  let nowMs: number;

  const build = (env: Record<string, string>) =>
    createApp({
      sessions: {
        ...h.deps,
        clock: { now: () => new Date(nowMs) },
        // The harness's models, with the environment this test gives the server.
        models: (spec, friend) =>
          createModelRouter({
            default: spec,
            ...(friend === undefined ? {} : { roles: { friend } }),
            env,
            cwd: h.dir,
            scripts: h.scripts,
          }),
      },
      bus: createInProcessEventBus(),
      control: {
        wake: async (id) => void woken.push(id),
        cancel: async () => {
          throw new Error('unused');
        },
      },
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: 'test',
      triggers: {
        forge: null,
        githubWebhookSecret: null,
        publicUrl: 'http://x',
        secrets: createSecretBox(Buffer.alloc(32, 1)),
      },
    });

  beforeEach(async () => {
    h = await createHarness();
    await h.register();
    woken = [];
    nowMs = Date.parse('2026-03-02T10:20:00.000Z');
    app = build({});
  });
  afterEach(() => h.close());

  const api = (method: string, path: string, body?: unknown, role: TokenRole | null = 'member') =>
    conformingRequest(app)(path, {
      method,
      headers: {
        ...(role ? { authorization: `Bearer ${h.tokens[role]}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

  describe('GET /api/models', () => {
    it('lists the default and the models whose provider is set up, never a key', async () => {
      const bare = await json(await api('GET', '/api/models', undefined, 'viewer'));
      expect(bare).toEqual({
        models: [{ spec: 'script:demo', default: true }],
        default: 'script:demo',
        defaultUsable: true,
      });

      app = build({ ANTHROPIC_API_KEY: KEY });
      const response = await api('GET', '/api/models', undefined, 'viewer');
      const text = await response.text();
      expect(text).not.toContain(KEY);
      const { models } = JSON.parse(text) as { models: Array<{ spec: string }> };
      const specs = models.map((model) => model.spec);
      expect(specs).toContain('anthropic:claude-sonnet-4-5');
      expect(specs.some((spec) => spec.startsWith('openai:'))).toBe(false);
      expect((await api('GET', '/api/models', undefined, null)).status).toBe(401);
    });

    it('says when the default model is not set up, and offers models recent sessions used', async () => {
      app = createApp({
        ...{
          sessions: h.deps,
          bus: createInProcessEventBus(),
          control: { wake: async () => {}, cancel: async () => h.store.getSession('') as never },
          allowScriptModels: true,
          version: 'test',
        },
        defaultModel: 'anthropic:claude-sonnet-4-5',
      });
      expect(
        (await api('POST', '/api/sessions', { repo: h.repo, task: 't', model: 'script:demo' })).status,
      ).toBe(201);
      expect(await json(await api('GET', '/api/models'))).toEqual({
        models: [{ spec: 'script:demo', default: false }],
        default: 'anthropic:claude-sonnet-4-5',
        defaultUsable: false,
      });
    });
  });

  describe('GET /api/repos/{id}/branches', () => {
    it("lists a local repository's branches, the checked-out one first", async () => {
      execFileSync('git', ['branch', 'feature/a-very-long-branch-name'], { cwd: h.repo });
      const [repo] = (await json(await api('GET', '/api/repos'))).repos as Array<{ id: string }>;
      const answer = await json(await api('GET', `/api/repos/${repo?.id}/branches`, undefined, 'viewer'));
      const head = execFileSync('git', ['symbolic-ref', '--short', 'HEAD'], { cwd: h.repo })
        .toString()
        .trim();
      expect(answer.head).toBe(head);
      expect(answer.branches).toEqual([head, 'feature/a-very-long-branch-name']);
    });

    it('lists none for a forge repository, and 404s an unknown id', async () => {
      const forge = await h.register('octo/app');
      expect(await json(await api('GET', `/api/repos/${forge.id}/branches`))).toEqual({
        branches: [],
        head: null,
      });
      const missing = await api('GET', '/api/repos/nope/branches');
      expect(missing.status).toBe(404);
      expect(await json(missing)).toMatchObject({ error: { code: 'registered_repo_not_found' } });
    });
  });

  describe('POST /api/sessions: every field error in one answer', () => {
    it('answers what the schema refused together with what the server refuses', async () => {
      const response = await api('POST', '/api/sessions', {
        repo: '/not/registered',
        task: '',
        model: 'anthropic:claude-sonnet-4-5',
      });
      expect(response.status).toBe(400);
      const { error } = (await json(response)) as { error: { code: string; fields: Record<string, string> } };
      expect(error.code).toBe('invalid_input');
      expect(Object.keys(error.fields).sort()).toEqual(['model', 'repo', 'task']);
      expect(error.fields.model).toBe(
        'anthropic:claude-sonnet-4-5 is not set up on this server (it needs ANTHROPIC_API_KEY)',
      );
      // Written for a form: no CLI flag, no API route.
      for (const text of Object.values(error.fields)) expect(text).not.toMatch(/--\w|GET \/api|POST \/api/);
    });

    it('answers an unknown ref and a bad model together, and one problem with its own code', async () => {
      const both = await api('POST', '/api/sessions', {
        repo: h.repo,
        task: 't',
        ref: 'no-such-branch',
        model: 'nonsense',
      });
      const { error } = (await json(both)) as { error: { code: string; fields: Record<string, string> } };
      expect(error.code).toBe('invalid_input');
      expect(error.fields).toEqual({
        ref: 'no branch, tag or commit "no-such-branch" in this repository',
        model: expect.any(String),
      });
      const one = await api('POST', '/api/sessions', { repo: h.repo, task: 't', ref: 'no-such-branch' });
      expect(await json(one)).toMatchObject({
        error: { code: 'unknown_ref', message: expect.stringContaining('Pass --ref') },
      });
      expect(await h.store.listSessions()).toEqual([]);
    });
  });

  it('GET /api/sessions?q= narrows the list by words of the task', async () => {
    for (const task of ['Fix the login page', 'Bump dependencies', 'Fix the parser']) {
      expect((await api('POST', '/api/sessions', { repo: h.repo, task })).status).toBe(201);
    }
    const tasks = async (query: string) =>
      ((await json(await api('GET', `/api/sessions?${query}`))).sessions as Array<{ task: string }>).map(
        (s) => s.task,
      );
    // Created in the same millisecond (the clock is fixed): in no particular order.
    expect((await tasks('q=fix')).sort()).toEqual(['Fix the login page', 'Fix the parser']);
    expect(await tasks('q=FIX+login')).toEqual(['Fix the login page']);
    expect(await tasks(`q=bump&repo=${encodeURIComponent(h.repo)}`)).toEqual(['Bump dependencies']);
    expect(await tasks('q=bump&repo=/elsewhere')).toEqual([]);
  });

  describe('schedules', () => {
    it('show their next and last run, and run now as a run of theirs', async () => {
      const created = await json(
        await api('POST', '/api/schedules', {
          name: 'nightly',
          cron: '0 3 * * *',
          timezone: 'Europe/Berlin',
          repo: h.repo,
          task: 'update deps',
        }),
      );
      // 03:00 in Berlin (UTC+1 in March) is 02:00 UTC, the next day.
      expect(created).toMatchObject({ nextRunAt: '2026-03-03T02:00:00.000Z', lastRun: null });

      expect((await api('POST', `/api/schedules/${created.id}/run`, undefined, 'viewer')).status).toBe(403);
      const run = await api('POST', `/api/schedules/${created.id}/run`);
      expect(run.status).toBe(201);
      const session = await json(run);
      expect(session.state).toBe('queued');
      expect(woken).toEqual([session.id]);
      expect(await h.store.getSession(String(session.id))).toMatchObject({
        task: 'update deps',
        createdBy: { id: 'schedule:nightly', name: 'nightly' },
      });

      const [listed] = (await json(await api('GET', '/api/schedules', undefined, 'viewer')))
        .schedules as Array<Record<string, unknown>>;
      expect(listed).toMatchObject({
        nextRunAt: '2026-03-03T02:00:00.000Z',
        lastRun: { dueAt: '2026-03-02T10:20:00.000Z', sessionId: session.id, state: 'queued' },
      });
      expect(await json(await api('GET', `/api/schedules/${created.id}/runs`))).toEqual({
        runs: [{ dueAt: '2026-03-02T10:20:00.000Z', sessionId: session.id, state: 'queued' }],
      });

      // Paused: no next run, but it still runs by hand.
      const paused = await json(await api('PATCH', `/api/schedules/${created.id}`, { paused: true }));
      expect(paused.nextRunAt).toBeNull();
      expect((await api('POST', `/api/schedules/${created.id}/run`)).status).toBe(201);
      expect((await api('POST', '/api/schedules/nope/run')).status).toBe(404);
    });

    it('explain a bad cron or time zone in words, once, under its field', async () => {
      const cron = await json(
        await api('POST', '/api/schedules', { name: 'x', cron: 'bad cron', repo: h.repo, task: 't' }),
      );
      expect(cron).toEqual({
        error: {
          code: 'invalid_cron',
          message: expect.stringContaining(
            '"bad cron" is not a valid schedule: a cron expression has five fields',
          ),
          fields: { cron: expect.stringContaining('a cron expression has five fields') },
        },
      });
      expect(JSON.stringify(cron)).not.toContain('Error');
      const minute = await json(
        await api('POST', '/api/schedules', { name: 'x', cron: '61 * * * *', repo: h.repo, task: 't' }),
      );
      expect(minute).toMatchObject({ error: { fields: { cron: 'invalid value for minute: 61' } } });
      const zone = await json(
        await api('POST', '/api/schedules', {
          name: 'x',
          cron: '0 3 * * *',
          timezone: 'Mars/Base',
          repo: h.repo,
          task: 't',
        }),
      );
      expect(zone).toMatchObject({
        error: { code: 'invalid_cron', fields: { timezone: expect.stringContaining('IANA') } },
      });
      expect(JSON.stringify(zone)).not.toContain('Error');
    });
  });
});
