import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../core/ports/store.ts';
import { createForgeRegistry } from '../forge/forge-registry.ts';
import { createLocalForge } from '../forge/local-forge.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { handleGitlabDelivery } from './gitlab-webhook.ts';
import { DEFAULT_GITHUB_SETTINGS, type TriggerDeps } from './trigger-deps.ts';

describe('handleGitlabDelivery on a server without GitLab credentials', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await store.createRepo({ kind: 'forge', repo: 'gitlab:acme/platform/app', addedBy: 'test' });
  });
  afterEach(() => store.close());

  it('answers ignored, saying what to set, and records the delivery so a retry is a duplicate', async () => {
    const woken: string[] = [];
    const deps: TriggerDeps = {
      sessions: { store } as unknown as SessionDeps,
      // GitHub alone: the registry refuses GitLab projects.
      forge: createForgeRegistry({ github: createLocalForge({ stateDir: '/nonexistent' }) }),
      defaultModel: 'script:demo',
      publicUrl: 'https://drydock.example',
      github: DEFAULT_GITHUB_SETTINGS,
      wake: (id) => woken.push(id),
      watch: () => {},
    };
    const rawBody = readFileSync(join(import.meta.dirname, '../../test/fixtures/gitlab/note-issue.json'));
    const delivery = {
      event: 'Note Hook',
      uuid: 'b3f5c1a0-0000-4000-8000-000000000001',
      idempotencyKey: undefined,
      payload: JSON.parse(rawBody.toString('utf8')),
      rawBody: new Uint8Array(rawBody),
    };
    const first = await handleGitlabDelivery(deps, delivery);
    expect(first).toMatchObject({ sessionId: null, duplicate: false });
    expect(first.outcome).toMatch(/^ignored: .*DRYDOCK_GITLAB_TOKEN/);
    expect(await handleGitlabDelivery(deps, delivery)).toMatchObject({
      outcome: first.outcome,
      duplicate: true,
    });
    expect(await store.listSessions()).toEqual([]);
    expect(woken).toEqual([]);
  });
});
