import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { decorate } from '../core/decorate.ts';
import type { SandboxProvider } from '../core/ports/sandbox.ts';
import { createHostProvider } from '../sandbox/host-provider.ts';
import { describeSandboxContract } from '../sandbox/sandbox-contract.ts';
import { createLayerStore } from './layer-store.ts';
import { createLayeredSandboxes } from './layered-sandbox.ts';
import { detectWorkspaceMode } from './layered-workspace.ts';

const home = await mkdtemp(join(tmpdir(), 'drydock-layered-contract-'));
const store = await createLayerStore(home);
const { mode } = await detectWorkspaceMode(store);
const { id: base } = await store.adopt(await store.stagingDir(), { durable: false });
afterAll(() => rm(home, { recursive: true, force: true }));

/**
 * Layered sandboxes as a provider: each starts on an empty layer and takes one restart-mode snapshot
 * first, so every call must reach the sandbox that snapshot started in place of the first (live
 * snapshots keep the first: the same forwarding, with nothing replaced).
 */
function layeredProvider(): SandboxProvider {
  const inner = createHostProvider({ killGraceMs: 300 });
  const sandboxes = createLayeredSandboxes({
    provider: inner,
    store,
    workspacesDir: join(home, 'overlays'),
    mode,
    durable: false,
    snapshotMode: 'restart',
  });
  return decorate(inner, {
    async create({ workspacePath: _, ...spec }) {
      const sandbox = await sandboxes.start({ layers: [base] }, spec);
      await sandbox.snapshot();
      return sandbox;
    },
  });
}

// A layered sandbox is a sandbox: the port's whole contract, through the wrapper (on the host provider).
describeSandboxContract(`layered (${mode}, restarted by a snapshot)`, layeredProvider);
