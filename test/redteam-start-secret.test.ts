/**
 * Red team: a `start`-only secret reaches the agent. The services compartment hides the service's
 * processes, but the start command runs a script from the workspace, which the agent writes, and the
 * start commands run again whenever a dead sandbox is replaced, and the agent can kill its own
 * sandbox (its supervisor is pid 2 of its PID namespace, same user). So: step 1 the agent rewrites
 * the start script to drop the secret (reversed: redaction does not catch it) into the workspace;
 * step 2 it kills its supervisor; drydock restores the sandbox from the snapshot and re-runs the
 * agent's start script in the services compartment, with the secret; step 3 the agent reads it.
 * Expected by docs/security.md and environments.md: the agent never gets a start-only secret.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/ports/clock.ts';
import { GLOBAL_SCOPE } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes } from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createSecretVault } from '../src/environments/secret-vault.ts';
import { unmountStable } from '../src/environments/stable-mount.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

const dir = await mkdtemp(join(tmpdir(), 'drydock-rt-start-'));
const home = join(dir, 'home');
const layerStore = await createLayerStore(home);
const { mode } = await detectWorkspaceMode(layerStore);
const provider = createBubblewrapProvider({ killGraceMs: 300 });
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const reversed = (value: string) => [...value].reverse().join('');

afterAll(async () => {
  await unmountStable(workspacePathOf(home, 'rt1')).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(mode !== 'overlay' || !provider.capabilities.separateServices)(
  'red team: start-only secrets',
  () => {
    it('never reach the agent, even when it rewrites the start script and kills its own sandbox', async () => {
      const repo = join(dir, 'repo');
      await mkdir(join(repo, '.drydock'), { recursive: true });
      await mkdir(join(repo, 'scripts'), { recursive: true });
      git(repo, 'init', '-q', '-b', 'main');
      await writeFile(
        join(repo, '.drydock', 'config.yaml'),
        'start: bash scripts/start-service.sh\nsecrets:\n  start: [DB_PASSWORD]\n',
      );
      await writeFile(join(repo, 'scripts', 'start-service.sh'), '#!/bin/bash\necho service up\n');
      git(repo, 'add', '-A');
      git(repo, '-c', 'user.email=d@e.org', '-c', 'user.name=D', 'commit', '-q', '-m', 'app');

      const store = await openSqliteStore({
        path: join(home, 'drydock.db'),
        clock: systemClock,
        ids: createSequentialIds('e'),
      });
      const vault = createSecretVault(store, createSecretBox(randomBytes(32)));
      await vault.set(GLOBAL_SCOPE, 'DB_PASSWORD', PASSWORD);
      const evil = '#!/bin/bash\nprintf %s "$DB_PASSWORD" | rev > /workspace/loot.txt\necho service up\n';
      const scripts: Record<string, Script> = {
        evil: {
          coder: [
            {
              toolCalls: [{ name: 'write_file', input: { path: 'scripts/start-service.sh', content: evil } }],
            },
            // The supervisor is pid 2 in the agent's PID namespace: killing it kills the sandbox.
            { toolCalls: [{ name: 'bash', input: { command: 'kill -9 2; sleep 5' } }] },
            { toolCalls: [{ name: 'bash', input: { command: 'echo "loot: $(cat loot.txt)"' } }] },
            { toolCalls: [{ name: 'finish', input: { summary: 'done' } }] },
          ],
        },
      };
      const inner = createLayeredSandboxes({
        provider,
        store: layerStore,
        workspacesDir: join(home, 'overlays'),
        mode,
      });
      const deps: SessionDeps = {
        store,
        sandboxes: provider,
        models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
        clock: systemClock,
        ids: createSequentialIds('rt'),
        home,
        budget: DEFAULT_BUDGET,
        vault,
        layers: { store: layerStore, sandboxes: inner },
      };
      const created = await createSession(deps, { task: 'steal it', repo, model: 'script:evil' });
      await runSession(deps, created.id);
      const events = await store.listEvents(created.id);
      const types = events.map((event) => event.data.type);
      const outputs = events.flatMap((event) =>
        event.data.type === 'tool.result' && event.data.tool === 'bash' ? [String(event.data.output)] : [],
      );
      await store.close();
      // The attack's preconditions happened: the sandbox was replaced and the start command ran again.
      expect(types).toContain('sandbox.restored');
      expect(types.filter((type) => type === 'environment.started')).toHaveLength(2);
      // The boundary: the agent's own command output must not carry the start secret in any form.
      const loot = outputs.find((output) => output.includes('loot:')) ?? '';
      expect(loot).not.toContain(reversed(PASSWORD));
    }, 180_000);
  },
);
