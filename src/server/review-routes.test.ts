import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { conformingRequest } from '../../test/support/openapi-conformance.ts';
import { createHarness, type Harness } from '../../test/support/server-harness.ts';
import type { TokenRole } from '../core/ports/store.ts';
import { createApp } from './app.ts';
import { createInProcessEventBus } from './event-bus.ts';

describe('POST /api/reviews (in-process)', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  const woken: string[] = [];

  beforeEach(async () => {
    h = await createHarness();
    woken.length = 0;
    app = createApp({
      sessions: h.deps,
      bus: createInProcessEventBus(),
      control: {
        wake: async (id) => {
          woken.push(id);
        },
        cancel: async () => {
          throw new Error('unused');
        },
      },
      defaultModel: 'script:demo',
      allowScriptModels: true,
      version: '0.0.0-test',
    });
    await h.register();
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', h.repo, ...args], { encoding: 'utf8' }).trim();
    git('checkout', '-qb', 'feature');
    await writeFile(join(h.repo, 'src', 'stats.js'), 'export const mean = () => 0;\n');
    git('commit', '-qam', 'simpler mean');
    git('checkout', '-q', 'main');
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (body: unknown, role: TokenRole = 'member') =>
    conformingRequest(app)('/api/reviews', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.tokens[role]}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('queues a review session on base..head of a registered repository, recording who asked', async () => {
    const response = await post({ repo: h.repo, head: 'feature', description: 'Makes mean() simpler.' });
    expect(response.status).toBe(201);
    const { id, state } = (await response.json()) as { id: string; state: string };
    expect(state).toBe('queued');
    expect(woken).toEqual([id]);
    const session = await h.store.getSession(id);
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', h.repo, ...args], { encoding: 'utf8' }).trim();
    expect(session).toMatchObject({
      kind: 'review',
      task: 'Review main..feature\n\nMakes mean() simpler.',
      ref: 'main..feature',
      baseCommit: git('rev-parse', 'main'),
      headCommit: git('rev-parse', 'feature'),
      branch: null,
      createdBy: { id: expect.stringMatching(/^token:/) },
    });
  });

  it('refuses viewers, unregistered repositories, unknown refs, empty changes and pull requests it cannot review, naming the field', async () => {
    expect((await post({ repo: h.repo, head: 'feature' }, 'viewer')).status).toBe(403);

    const unregistered = await post({ repo: '/somewhere/else', head: 'feature' });
    expect(unregistered.status).toBe(400);
    expect(await unregistered.json()).toMatchObject({ error: { code: 'repo_not_registered' } });

    const unknown = await post({ repo: h.repo, head: 'no-such-branch' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      error: {
        code: 'unknown_ref',
        fields: { head: 'no branch, tag or commit "no-such-branch" in this repository' },
      },
    });

    const empty = await post({ repo: h.repo, base: 'feature', head: 'main' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({
      error: { code: 'empty_change', fields: { head: expect.any(String) } },
    });

    const noHead = await post({ repo: h.repo });
    expect(noHead.status).toBe(400);
    expect(await noHead.json()).toMatchObject({
      error: { code: 'invalid_input', fields: { head: expect.any(String) } },
    });
    // A pull request number is for a forge repository; a forge repository needs one, and a forge to post to.
    const localPull = await post({ repo: h.repo, pull: 7 });
    expect(localPull.status).toBe(400);
    expect(await localPull.json()).toMatchObject({
      error: { code: 'review_needs_forge_repo', fields: { pull: 'only for a forge repository' } },
    });
    await h.register('acme/app');
    const noPull = await post({ repo: 'acme/app', head: 'feature' });
    expect(await noPull.json()).toMatchObject({
      error: { code: 'invalid_input', fields: { pull: expect.any(String) } },
    });
    const noForge = await post({ repo: 'acme/app', pull: 7 });
    expect(noForge.status).toBe(400);
    expect(await noForge.json()).toMatchObject({
      error: { code: 'forge_review_not_supported', message: expect.stringContaining('DRYDOCK_GITHUB_TOKEN') },
    });
    expect((await post({ repo: 'acme/app', pull: -1 })).status).toBe(400);
    const both = await post({ repo: 'acme/app', pull: 7, head: 'feature' });
    expect(await both.json()).toMatchObject({
      error: { code: 'invalid_input', fields: { head: 'not with pull' } },
    });
    expect(woken).toEqual([]);
    expect(await h.store.listSessions({})).toEqual([]);
  });
});
