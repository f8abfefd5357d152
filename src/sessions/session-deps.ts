import type { SessionEvent } from '../core/events.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { ModelRouter } from '../core/ports/models.ts';
import type { EgressRule, SandboxLimits, SandboxProvider } from '../core/ports/sandbox.ts';
import type { Store } from '../core/ports/store.ts';
import type { Budget } from '../core/session.ts';
import type { SpendLimit } from '../core/spend-limits.ts';
import type { SecretVault } from '../environments/secret-vault.ts';
import type { RemoteMcpHost } from './mcp-servers/mcp-policy.ts';
import type { SessionLayers } from './session-workspace.ts';

/** What the session runner is wired with: adapters for every port it uses. */
export interface SessionDeps {
  store: Store;
  sandboxes: SandboxProvider;
  /**
   * Builds the router for a session's model string and, when it has one, its friend's (the `friend`
   * role; without one that role is the session's model). Eager: throws on a bad model or a missing key.
   */
  models: (spec: string, friend?: string) => ModelRouter;
  clock: Clock;
  ids: IdGenerator;
  /** drydock's data directory: workspaces live under it. */
  home: string;
  budget: Budget;
  /** Hosts the sandbox may reach through drydock's egress proxy; none by default. */
  allowHosts?: readonly EgressRule[];
  /**
   * Hosts a repository's remote MCP servers may be on (the control plane calls them with the
   * repository's secrets: docs/mcp.md). Absent: `DRYDOCK_MCP_REMOTE_ALLOW`, else none.
   */
  mcpRemoteAllow?: readonly RemoteMcpHost[];
  /**
   * Every session sandbox's limits (defaults: DEFAULT_SANDBOX_LIMITS). `diskBytes` is the workspace's
   * disk quota: layered workspaces and clones get one only when it is set.
   */
  limits?: SandboxLimits;
  /**
   * Layered workspaces (off unless given; used in overlay mode only): the workspace is an overlay on
   * the base commit's layer, bound at the usual workspace path, snapshotted after every agent step,
   * and a sandbox that dies is replaced from the last snapshot. Without it, a plain clone.
   */
  layers?: SessionLayers;
  /**
   * Children of one parent session (attempts, a manager's children) running at once in its run;
   * default DEFAULT_CHILD_CONCURRENCY. They run under the parent's lease, in the parent's process.
   */
  childConcurrency?: number;
  /** Children one manager session may spawn at most (`--max-children`); default DEFAULT_MAX_CHILDREN (5). */
  maxChildren?: number;
  /** Secrets for the phases a repository's config gives them to; none without it. */
  vault?: SecretVault;
  /** Repository knowledge (docs/knowledge.md): its token budget, and where its failures are logged. */
  knowledge?: KnowledgeSettings;
  /** The server's own spend limits (DRYDOCK_SPEND_LIMIT_*), checked with the stored ones (docs/cost.md). */
  spendLimits?: readonly SpendLimit[];
}

export interface KnowledgeSettings {
  /** The most tokens of knowledge the coder or the reviewer is given; default DEFAULT_KNOWLEDGE_TOKEN_BUDGET. */
  budgetTokens?: number;
  /** Proposing or retrieving knowledge failed: logged, never the session's failure. */
  onError?: (error: unknown, sessionId: string) => void;
}

/** Live observers of one run, for a terminal or a server. */
export interface RunObserver {
  onEvent?(event: SessionEvent): void;
  onModelWait?(waiting: boolean): void;
}
