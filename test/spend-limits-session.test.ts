import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createModelRouter } from '../src/models/router.ts';
import { createNoSandboxProvider } from '../src/sandbox/no-sandbox-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { sendMessage } from '../src/sessions/follow-ups.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { setSpendLimit } from '../src/sessions/spend-limits.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { type FakeReply, type FakeServer, startFakeOpenAIServer } from './fakes/openai-compatible-server.ts';

// A session against a fake OpenAI server that reports real usage (cached and uncached input, output)
// through the real @ai-sdk/openai client, stopped by a spend limit between two model calls.

/** Every call's usage: 400k uncached and 1.6M cached input tokens, 50k output. */
const USAGE = { inputTokens: 400_000, cacheReadTokens: 1_600_000, outputTokens: 50_000 };
const FOLLOW_UP = 'The limit is raised: carry on.';

describe('a session under a spend limit', () => {
  let dir: string;
  let repo: string;
  let store: Store;
  let server: FakeServer;
  let deps: SessionDeps;

  const replies: FakeReply[] = [
    {
      toolCalls: [{ name: 'write_file', input: { path: 'notes.txt', content: 'work worth keeping\n' } }],
      usage: USAGE,
    },
    { toolCalls: [{ name: 'list_files', input: { path: '.' } }], usage: USAGE },
    { toolCalls: [{ name: 'read_file', input: { path: 'notes.txt' } }], usage: USAGE },
    { toolCalls: [{ name: 'give_up', input: { reason: 'stopping after the follow-up' } }], usage: USAGE },
  ];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-spend-'));
    repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    let index = 0;
    server = await startFakeOpenAIServer(() => replies[index++] ?? 'The fake has no more replies.');
    store = await openSqliteStore({
      path: join(dir, 'home', 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('s'),
    });
    deps = {
      store,
      sandboxes: createNoSandboxProvider(),
      models: (spec) =>
        createModelRouter({
          default: spec,
          env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: server.url },
          cwd: dir,
        }),
      clock: systemClock,
      ids: createSequentialIds('s'),
      home: join(dir, 'home'),
      // The session's own budget far above the spend limit: the limit is what stops it.
      budget: { ...DEFAULT_BUDGET, maxTokens: 100_000_000, maxCostUsd: 100 },
    };
  });

  afterEach(async () => {
    await store.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stops within the reply that would overshoot, bows out naming the limit, keeps its work, and a follow-up continues it', async () => {
    const model = deps.models('openai:gpt-5').resolve('coder');
    const pricing = model.pricing;
    if (!pricing) throw new Error('gpt-5 has a known price');
    const callUsd =
      (USAGE.inputTokens * pricing.inputPerMTok +
        USAGE.cacheReadTokens * (pricing.cacheReadPerMTok ?? pricing.inputPerMTok) +
        USAGE.outputTokens * pricing.outputPerMTok) /
      1e6;
    const maxOutputUsd = ((model.maxOutputTokens ?? 8_192) * pricing.outputPerMTok) / 1e6;
    // Room for three calls' reservations one after the other, not for a fourth's.
    const amountUsd = Math.round((3 * callUsd + 0.9 * maxOutputUsd) * 100) / 100;

    const created = await createSession(deps, { task: 'Take notes', repo, model: 'openai:gpt-5' });
    const scope = `repo:${created.repo}`;
    await setSpendLimit(store, { scope, period: 'day', amountUsd });

    const stopped = await runSession(deps, created.id);
    expect(stopped.state).toBe('bowed_out');
    expect(server.requests).toHaveLength(3);
    expect(stopped.reason).toMatch(/^budget exhausted: daily spend limit/);
    expect(stopped.reason).toContain(
      `daily spend limit for repo ${created.repo} has no room for the next model call`,
    );
    expect(stopped.reason).toContain(`$${(3 * callUsd).toFixed(2)} of $${amountUsd.toFixed(2)} spent`);
    expect(stopped.reason).toMatch(/resets \d{4}-\d\d-\d\d 00:00 UTC/);
    // The ledger holds each call's actual cost, cached tokens at their own price.
    const [status] = await store.spendStatus([{ scope, period: 'day', amountUsd, source: 'store' }]);
    expect(status?.spentUsd).toBeCloseTo(3 * callUsd, 10);
    expect(stopped.usage.costUsd).toBeCloseTo(3 * callUsd, 10);
    // Its work stays in the workspace; nothing is delivered.
    const workspace = workspacePathOf(deps.home, created.id);
    expect(await readFile(join(workspace, 'notes.txt'), 'utf8')).toBe('work worth keeping\n');
    expect(stopped.branch).toBeNull();
    expect(execFileSync('git', ['branch', '--list', 'drydock/*'], { cwd: repo, encoding: 'utf8' })).toBe('');
    const events = await store.listEvents(created.id);
    expect(events.some((event) => event.data.type === 'model.error')).toBe(false);

    // Raised, a follow-up continues the same conversation on the same workspace.
    await setSpendLimit(store, { scope, period: 'day', amountUsd: amountUsd + 10 });
    await sendMessage(store, created.id, FOLLOW_UP);
    const continued = await runSession(deps, created.id);
    expect(server.requests).toHaveLength(4);
    const last = JSON.stringify(server.requests[3]?.body);
    expect(last).toContain(FOLLOW_UP);
    expect(last).toContain('work worth keeping');
    expect(continued.state).toBe('bowed_out');
    expect(continued.reason).toContain('stopping after the follow-up');
    expect(existsSync(join(workspace, 'notes.txt'))).toBe(true);
  });
});
