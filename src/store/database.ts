import type { ColumnType } from 'kysely';

/**
 * The store's tables as Kysely sees them. Column types are the portable subset shared by SQLite and
 * Postgres: text for ids, timestamps (ISO 8601 strings, which sort in time order) and JSON.
 */
export interface Database {
  sessions: SessionsTable;
  events: EventsTable;
  checkpoints: CheckpointsTable;
  checkpoint_log: CheckpointLogTable;
  artifacts: ArtifactsTable;
  tokens: TokensTable;
  deliveries: DeliveriesTable;
  session_links: SessionLinksTable;
  triggers: TriggersTable;
  environments: EnvironmentsTable;
  secrets: SecretsTable;
  repositories: RepositoriesTable;
  eval_runs: EvalRunsTable;
  eval_instances: EvalInstancesTable;
  tracker_mappings: TrackerMappingsTable;
  tracker_connections: TrackerConnectionsTable;
  knowledge: KnowledgeTable;
  playbooks: PlaybooksTable;
  audit_log: AuditLogTable;
  spend_limits: SpendLimitsTable;
  spend_ledger: SpendLedgerTable;
}

/** A bigint column: Postgres drivers return it as a string, so reads go through Number(). */
type BigIntColumn = ColumnType<number | string, number, number>;

export interface SessionsTable {
  id: string;
  state: string;
  task: string;
  repo: string;
  ref: string;
  base_commit: string | null;
  head_commit: string | null;
  branch: string | null;
  model: string;
  steps: number;
  input_tokens: BigIntColumn;
  output_tokens: BigIntColumn;
  cost_usd: number;
  /** Usage in detail (migration 0012): prompt-cache reads and writes, reasoning; 0 before it. */
  cache_read_tokens: ColumnType<number | string, number | undefined, number>;
  cache_write_tokens: ColumnType<number | string, number | undefined, number>;
  reasoning_tokens: ColumnType<number | string, number | undefined, number>;
  /** 1 when some model call had no known price (its cost is unknown, not $0). */
  cost_unknown: ColumnType<number, number | undefined, number>;
  summary: string | null;
  reason: string | null;
  /** JSON `{ name, email }` (migration 0006), or null. */
  requested_by: string | null;
  /** The fencing token of the run that owns the session (migration 0007), or null. */
  owner: string | null;
  /** JSON `{ id, name }` of who started it on a server (migration 0009), or null. */
  created_by: string | null;
  /** The smart friend's `provider:model` (migration 0013), or null: no friend. */
  friend_model: string | null;
  /** JSON `[{ host, port? }]` the session's agent may reach beyond its repository's (migration 0014), or null. */
  allow_hosts: string | null;
  /** The session's kind (migration 0016), or null: a plain session. */
  kind: string | null;
  /** The parent session's id for attempts and children (migration 0016), or null. */
  parent_id: string | null;
  /** JSON array of an attempts session's model specs (migration 0016), or null. */
  attempt_models: string | null;
  created_at: string;
  updated_at: string;
}

export interface EventsTable {
  session_id: string;
  seq: number;
  at: string;
  type: string;
  /** EventData as JSON text. */
  data: string;
}

export interface CheckpointsTable {
  session_id: string;
  /** JsonValue as JSON text. */
  data: string;
  updated_at: string;
}

/** One entry of a session's checkpoint log (migration 0010): positions 0, 1, 2, … without gaps. */
export interface CheckpointLogTable {
  session_id: string;
  position: number;
  /** JsonValue as JSON text. */
  data: string;
}

export interface ArtifactsTable {
  id: string;
  session_id: string;
  name: string;
  content_type: string;
  content: string;
  created_at: string;
}

export interface TokensTable {
  id: string;
  name: string;
  role: string;
  /** Lowercase hex SHA-256 of the bearer secret. */
  token_hash: string;
  created_at: string;
}

export interface DeliveriesTable {
  source: string;
  delivery_id: string;
  session_id: string | null;
  outcome: string;
  created_at: string;
}

export interface SessionLinksTable {
  key: string;
  session_id: string;
  /** JSON. */
  data: string;
  created_at: string;
}

export interface TriggersTable {
  id: string;
  kind: string;
  name: string;
  /** JSON. */
  config: string;
  secret: string | null;
  created_at: string;
  updated_at: string;
}

export interface EnvironmentsTable {
  id: string;
  repo: string;
  inputs_hash: string;
  runtime_version: string;
  commit_sha: string;
  /** Layer ids, bottom first, as JSON text. */
  layers: string;
  /** The setup commands, as JSON text. */
  setup: string;
  setup_ms: number;
  created_at: string;
  /** The image root setup ran on (EnvironmentImageRoot) as JSON text; null: the host's system. */
  image_root: string | null;
}

export interface SecretsTable {
  /** `*` for every repository, else the repository. */
  scope: string;
  name: string;
  /** SecretBox ciphertext: the plain value never reaches the store. */
  sealed: string;
  created_at: string;
  updated_at: string;
}

export interface RepositoriesTable {
  id: string;
  /** `local` or `forge`. */
  kind: string;
  /** The real path of a local repository, or a lowercase `owner/name`; unique. */
  repo: string;
  added_by: string;
  created_at: string;
  /** 1: drydock reviews its pull requests (migration 0017); 0 otherwise. */
  review_pull_requests: ColumnType<number, number | undefined, number>;
}

/** An evaluation run (migration 0011). */
export interface EvalRunsTable {
  id: string;
  name: string;
  dataset: string;
  model: string;
  state: string;
  total: number;
  /** EvalSettings as JSON text. */
  settings: string;
  out_dir: string | null;
  drydock_version: string;
  created_at: string;
  updated_at: string;
}

/** One instance of an evaluation run (migration 0011), keyed by run_id and instance_id. */
export interface EvalInstancesTable {
  run_id: string;
  instance_id: string;
  /** 0, 1, 2, … in the order the run's instances were first saved. */
  position: number;
  repo: string;
  status: string;
  session_id: string | null;
  /** 1 resolved, 0 not, null not graded. */
  resolved: number | null;
  /** EvalGrading as JSON text, or null. */
  grading: string | null;
  reason: string | null;
  steps: number;
  input_tokens: BigIntColumn;
  output_tokens: BigIntColumn;
  cost_usd: number;
  cache_read_tokens: BigIntColumn;
  cache_write_tokens: BigIntColumn;
  reasoning_tokens: BigIntColumn;
  /** 1: some call's model had no known price (the cost is a lower bound). */
  cost_unknown: number;
  wall_ms: number | null;
  updated_at: string;
}

export interface TrackerMappingsTable {
  tracker: string;
  project: string;
  repo: string;
  /** JSON: TrackerStates. */
  states: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A tracker's connection (migration 0025). */
export interface TrackerConnectionsTable {
  tracker: string;
  /** JSON: the settings that are not secret. */
  settings: string;
  /** JSON: the secret settings, each sealed by the SecretBox. */
  sealed: string;
  updated_by: string;
  created_at: string;
  updated_at: string;
}

/** A repository knowledge item (migration 0023). */
export interface KnowledgeTable {
  id: string;
  repo: string;
  title: string;
  body: string;
  kind: string;
  /** JSON array of paths. */
  files: string;
  status: string;
  /** A session id, or `manual`. */
  source: string;
  proposed_at: string;
  decided_by: string | null;
  decided_at: string | null;
  updated_at: string;
  /** JSON array of the paths a session found missing, or null: not stale. */
  stale_files: string | null;
}

/** A server-side playbook (migration 0024): its markdown, parsed on read. */
export interface PlaybooksTable {
  name: string;
  text: string;
  updated_by: string;
  updated_at: string;
}

/** The audit log (migration 0019): one row per action, never updated. */
export interface AuditLogTable {
  id: string;
  at: string;
  /** The actor's id (`token:<id>`, `github:<login>`, …) and its display name. */
  actor: string;
  actor_name: string;
  action: string;
  target: string | null;
  /** A small JSON object. */
  details: string;
  outcome: string;
}

/** A spend limit set through the API, CLI or UI (migration 0018); one per scope and period. */
export interface SpendLimitsTable {
  scope: string;
  /** `day` or `month`. */
  period: string;
  amount_usd: number;
  updated_at: string;
}

/** One model call's cost, or a reservation in flight while `cost_usd` is null (migration 0018). */
export interface SpendLedgerTable {
  id: string;
  session_id: string;
  repo: string;
  creator: string | null;
  at: string;
  reserved_usd: number;
  cost_usd: number | null;
}
