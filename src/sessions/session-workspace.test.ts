import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { decorate } from '../core/decorate.ts';
import type { SandboxProvider, WorkspaceSnapshot } from '../core/ports/sandbox.ts';
import { createHostProvider } from '../sandbox/host-provider.ts';
import { describeSandboxContract } from '../sandbox/sandbox-contract.ts';
import { openSessionLayers, openSessionWorkspace } from './session-workspace.ts';

const home = await mkdtemp(join(tmpdir(), 'drydock-session-workspace-'));
const inner = createHostProvider({ killGraceMs: 300 });
const { layers, reason } = await openSessionLayers(home, inner);
afterAll(() => rm(home, { recursive: true, force: true }));

/**
 * Session workspaces as a provider: each starts on an empty layer, with its merged view bound at the
 * spec's workspace path (the session's stable path).
 */
async function sessionProvider(): Promise<SandboxProvider> {
  if (!layers) throw new Error(reason);
  const { id } = await layers.store.adopt(await layers.store.stagingDir(), { durable: false });
  const base: WorkspaceSnapshot = { layers: [id] };
  return decorate(inner, {
    async create({ workspacePath, ...spec }) {
      const workspace = await openSessionWorkspace({
        layers,
        snapshot: base,
        spec,
        stablePath: workspacePath,
        lastSaved: () => base,
        onRestored: async () => {},
      });
      return workspace.sandbox;
    },
  });
}

const provider = layers ? await sessionProvider() : undefined;

// The session's sandbox (restore on death) is a sandbox: the port's whole contract, through it.
describe.skipIf(!provider)(`session workspace (${reason})`, () => {
  describeSandboxContract('session workspace (host)', () => provider ?? inner);
});
