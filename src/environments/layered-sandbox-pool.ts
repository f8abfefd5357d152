import { createHash } from 'node:crypto';
import type { EgressAttempt, SandboxSpec, WorkspaceSnapshot } from '../core/ports/sandbox.ts';
import { createWarmPool } from '../sandbox/warm-pool.ts';
import type { LayeredSandbox, LayeredSandboxes } from './layered-sandbox.ts';

/** The spec a session's sandbox starts with (the workspace path is the layered workspace's own). */
export type LayeredSpec = Omit<SandboxSpec, 'workspacePath'>;

/** What a pooled sandbox is started with for every session: `sessionId` names the pool's sandboxes. */
export const POOL_SANDBOX_ID = 'warm-pool';

/** A pooled sandbox idle longer than this is replaced: its wall-time limit runs from its start. */
export const DEFAULT_MAX_IDLE_MS = 10 * 60_000;

export interface LayeredSandboxPool {
  /**
   * A started sandbox on `snapshot`'s layers with `spec`: a ready one from the pool (`warm`), else
   * one started now. Either way the key is topped up in the background, so the next session on the
   * same environment gets a started one. `spec.network.onBlocked` gets the sandbox's refused
   * connections from now on. The caller owns the sandbox and destroys it.
   */
  acquire(
    snapshot: WorkspaceSnapshot,
    spec: LayeredSpec,
  ): Promise<{ sandbox: LayeredSandbox; warm: boolean }>;
  /** How many are ready for this stack and spec. */
  ready(snapshot: WorkspaceSnapshot, spec: LayeredSpec): number;
  /** Resolves when no background start is in flight. */
  settled(): Promise<void>;
  /** Stops refilling and destroys every idle sandbox (its overlay and disk image released). Idempotent. */
  drain(): Promise<void>;
}

export interface LayeredSandboxPoolOptions {
  sandboxes: LayeredSandboxes;
  /** Started sandboxes kept per key. */
  size: number;
  maxIdleMs?: number;
  /** Milliseconds now (tests). */
  nowMs?: () => number;
  onError?: (error: unknown) => void;
}

/**
 * The pool key: the stack plus everything in the spec that is the same for every session of an
 * environment (read-only paths, limits, the agent's secrets, the network allow list). Sandboxes
 * with one key are interchangeable; one started with a repository's secrets is never handed to
 * another key. Stable: object keys are sorted. Only a hash, so secrets are not kept in the key.
 */
export function poolKey(snapshot: WorkspaceSnapshot, spec: LayeredSpec): string {
  const shape = {
    layers: snapshot.layers,
    readOnlyPaths: spec.readOnlyPaths ?? [],
    root: spec.root ?? null,
    limits: spec.limits ?? {},
    env: spec.env ?? {},
    allow: spec.network?.allow ?? null,
  };
  return createHash('sha256').update(stableJson(shape)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Whether the sandbox's supervisor still answers. */
function answers(sandbox: LayeredSandbox): Promise<boolean> {
  return sandbox.stat('.').then(
    () => true,
    () => false,
  );
}

interface Pooled {
  sandbox: LayeredSandbox;
  startedMs: number;
  /** Where the sandbox's refused connections go: the acquiring session's callback. */
  route: { onBlocked?: (attempt: EgressAttempt) => void };
  destroy(): Promise<void>;
}

/**
 * Started layered sandboxes per environment (src/sandbox/warm-pool.ts does the keeping). A pooled
 * sandbox is started with `sessionId: 'warm-pool'` (its overlay directory, sandbox id and cgroup are
 * named after it, and nothing later needs the session's id there) and a network callback that routes
 * to whichever session acquired it.
 */
export function createLayeredSandboxPool(options: LayeredSandboxPoolOptions): LayeredSandboxPool {
  const nowMs = options.nowMs ?? Date.now;
  const maxIdleMs = options.maxIdleMs ?? DEFAULT_MAX_IDLE_MS;
  // What create(key) starts: registered by the acquire that first asks for the key.
  const recipes = new Map<string, { snapshot: WorkspaceSnapshot; spec: LayeredSpec }>();

  const start = async (key: string): Promise<Pooled> => {
    const recipe = recipes.get(key);
    if (!recipe) throw new Error(`No recipe for warm-pool key ${key}.`);
    const route: Pooled['route'] = {};
    const { network, ...rest } = recipe.spec;
    const spec: LayeredSpec = {
      ...rest,
      sessionId: POOL_SANDBOX_ID,
      ...(network
        ? { network: { allow: network.allow, onBlocked: (attempt) => route.onBlocked?.(attempt) } }
        : {}),
    };
    const sandbox = await options.sandboxes.start(recipe.snapshot, spec);
    return { sandbox, startedMs: nowMs(), route, destroy: () => sandbox.destroy() };
  };

  const pool = createWarmPool<Pooled>({
    create: start,
    size: options.size,
    onError: (_key, error) => options.onError?.(error),
  });

  let drained = false;

  return {
    async acquire(snapshot, spec) {
      // A session still starting while the process stops gets a sandbox of its own, as without a pool.
      if (drained) return { sandbox: await options.sandboxes.start(snapshot, spec), warm: false };
      const key = poolKey(snapshot, spec);
      if (!recipes.has(key)) recipes.set(key, { snapshot: { layers: [...snapshot.layers] }, spec });
      let { item, warm } = await pool.acquire(key);
      // Idle too long, most of its wall time may be gone; dead while idle (killed, OOM), it would fail the
      // session's first command: either way, start a fresh one instead. The check is one round trip.
      if (warm && (nowMs() - item.startedMs > maxIdleMs || !(await answers(item.sandbox)))) {
        await item.destroy().catch(() => {});
        item = await start(key);
        warm = false;
      }
      item.route.onBlocked = spec.network?.onBlocked;
      return { sandbox: item.sandbox, warm };
    },
    ready: (snapshot, spec) => pool.ready(poolKey(snapshot, spec)),
    settled: () => pool.settled(),
    drain: () => {
      drained = true;
      return pool.drain();
    },
  };
}
