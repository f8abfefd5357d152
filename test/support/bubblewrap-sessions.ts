import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionEvent } from '../../src/core/events.ts';
import { systemClock } from '../../src/core/ports/clock.ts';
import type { Store } from '../../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../../src/core/session.ts';
import { createLayerStore, type LayerStore } from '../../src/environments/layer-store.ts';
import { createLayeredSandboxes } from '../../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../../src/environments/layered-workspace.ts';
import type { SecretVault } from '../../src/environments/secret-vault.ts';
import { unmountStable } from '../../src/environments/stable-mount.ts';
import { createModelRouter } from '../../src/models/router.ts';
import type { Script } from '../../src/models/script-file.ts';
import { createBubblewrapProvider } from '../../src/sandbox/bubblewrap-provider.ts';
import { workspacePathOf } from '../../src/sessions/readable-workspace.ts';
import type { SessionDeps } from '../../src/sessions/session-deps.ts';
import { createSequentialIds } from '../../src/store/ids.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

/**
 * Sessions run end to end on real bubblewrap with scripted models, in a home of their own: layered
 * workspaces (environment images) where overlayfs mounts, plain clones elsewhere.
 */
export interface BubblewrapSessions {
  dir: string;
  home: string;
  layerStore: LayerStore;
  /** Whether overlayfs mounts here (`overlay`), and why not otherwise. */
  mode: Awaited<ReturnType<typeof detectWorkspaceMode>>['mode'];
  reason: string;
  /** Opens the store and wires the deps; `scripts` are read when a session names `script:<name>`. */
  open(options: {
    idPrefix: string;
    scripts: Record<string, Script>;
    vault?: (store: Store) => Promise<SecretVault>;
  }): Promise<{ store: Store; deps: SessionDeps }>;
  /** Unmounts the sessions' workspaces, closes the store and deletes the directory. */
  close(sessionIds: readonly string[]): Promise<void>;
}

export async function bubblewrapSessions(prefix: string): Promise<BubblewrapSessions> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const home = join(dir, 'home');
  const layerStore = await createLayerStore(home);
  const { mode, reason } = await detectWorkspaceMode(layerStore);
  let store: Store | undefined;
  return {
    dir,
    home,
    layerStore,
    mode,
    reason,
    async open({ idPrefix, scripts, vault }) {
      const opened = await openSqliteStore({
        path: join(home, 'drydock.db'),
        clock: systemClock,
        ids: createSequentialIds(idPrefix),
      });
      store = opened;
      const provider = createBubblewrapProvider({ killGraceMs: 300 });
      const deps: SessionDeps = {
        store: opened,
        sandboxes: provider,
        models: (spec, friend) =>
          createModelRouter({
            default: spec,
            ...(friend === undefined ? {} : { roles: { friend } }),
            env: {},
            cwd: dir,
            scripts,
          }),
        clock: systemClock,
        ids: createSequentialIds('s'),
        home,
        budget: DEFAULT_BUDGET,
        // With overlayfs, setup runs once per project (an image); without, in each session's clone.
        ...(mode === 'overlay'
          ? {
              layers: {
                sandboxes: createLayeredSandboxes({
                  provider,
                  store: layerStore,
                  workspacesDir: join(home, 'overlays'),
                  mode,
                }),
                store: layerStore,
              },
            }
          : {}),
        ...(vault ? { vault: await vault(opened) } : {}),
      };
      return { store: opened, deps };
    },
    async close(sessionIds) {
      for (const id of sessionIds) await unmountStable(workspacePathOf(home, id)).catch(() => {});
      await store?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The data of a session's events of one type, typed. */
export function eventsOfType<T extends SessionEvent['data']['type']>(
  events: readonly SessionEvent[],
  type: T,
): Extract<SessionEvent['data'], { type: T }>[] {
  return events
    .map((event) => event.data)
    .filter((data): data is Extract<SessionEvent['data'], { type: T }> => data.type === type);
}
