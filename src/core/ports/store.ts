import type { SessionFacts } from '../analytics.ts';
import type { AuditEntry, AuditFilter, NewAuditEntry } from '../audit.ts';
import { type ConflictCode, type DrydockError, isConflict } from '../errors.ts';
import type { EvalInstance, EvalInstanceWrite, EvalRun, EvalRunState, NewEvalRun } from '../eval.ts';
import type { EventData, EventType, SessionEvent } from '../events.ts';
import type { KnowledgeFilter, KnowledgeItem, KnowledgeUpdate, NewKnowledgeItem } from '../knowledge.ts';
import type { Session } from '../session.ts';
import type { SessionState } from '../session-state.ts';
import type {
  SpendLimit,
  SpendLimitStatus,
  SpendPeriod,
  SpendReservation,
  SpendReservationRequest,
} from '../spend-limits.ts';
import type { TrackerConnectionStore, TrackerMappingStore } from './tracker.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Fields of a session that change as it runs. */
export type SessionPatch = Partial<
  Pick<Session, 'state' | 'baseCommit' | 'headCommit' | 'branch' | 'steps' | 'usage' | 'summary' | 'reason'>
>;

export interface SessionFilter {
  state?: SessionState;
  /** A parent's children (attempts, a manager's children), or with `null` top-level sessions only. */
  parentId?: string | null;
  repo?: string;
  /**
   * Words the session's task, id or branch contains, ignoring case (each word somewhere, in any order):
   * the web list's search box.
   */
  text?: string;
  /** Default 100. */
  limit?: number;
  /** Newest first by default; `oldest` for a worker picking queued sessions in arrival order. */
  order?: 'newest' | 'oldest';
}

/**
 * A change to a session's checkpoint log (an ordered list of JSON entries, numbered from 0): the entries
 * from index `from` on are replaced by `entries`. An append is `from` = the log's length; a rewrite of
 * the whole log is `from` = 0; a change that keeps a prefix (a compacted conversation keeps its first
 * message) starts where the two diverge. `entries` may be empty, which truncates the log at `from`.
 */
export interface CheckpointLogChange {
  /** A whole number from 0 up to the log's current length (no gaps). */
  from: number;
  entries: readonly JsonValue[];
}

/**
 * One atomic write: events appended, the session patched, the agent checkpoint document replaced and
 * its log changed, together.
 */
export interface StoreWrite {
  events?: readonly EventData[];
  patch?: SessionPatch;
  /** Replaces the session's checkpoint document. */
  checkpoint?: JsonValue;
  /**
   * Changes the session's checkpoint log: the part of the checkpoint that grows step by step (the
   * coder's conversation), so a step writes what it added rather than everything again.
   */
  checkpointLog?: CheckpointLogChange;
  /**
   * A fencing token: the write happens only while the session's owner (set by `claimSession`) is this
   * token, else nothing is written and record() throws a ConflictError `session_taken_over`. Without
   * it the write is not fenced (follow-ups, cancel requests, a worker marking a dead session failed).
   */
  owner?: string;
}

/** The code of the ConflictError a fenced record() throws when another run claimed the session since. */
export const SESSION_TAKEN_OVER = 'session_taken_over' satisfies ConflictCode;

/** Whether `error` is a fenced write refused because another run owns the session now. */
export function isSessionTakenOver(error: unknown): error is DrydockError {
  return isConflict(error, SESSION_TAKEN_OVER);
}

export interface Artifact {
  id: string;
  sessionId: string;
  name: string;
  contentType: string;
  content: string;
  createdAt: string;
}

export type NewArtifact = Omit<Artifact, 'id' | 'createdAt'>;

/** What an API token may do: viewers read, members also create and steer sessions, admins manage tokens. */
export const TOKEN_ROLES = ['viewer', 'member', 'admin'] as const;

export type TokenRole = (typeof TOKEN_ROLES)[number];

/** An API token as stored: only the SHA-256 of the secret, never the secret itself. */
export interface ApiToken {
  id: string;
  name: string;
  role: TokenRole;
  /** Lowercase hex SHA-256 of the bearer secret. */
  tokenHash: string;
  createdAt: string;
}

export type NewApiToken = Omit<ApiToken, 'id' | 'createdAt'>;

/** A webhook delivery drydock has seen, kept so a redelivery finds the first one's session. */
export interface Delivery {
  /** `github`, `sentry`, `hook:<name>`, `slack`. */
  source: string;
  /** The sender's delivery id (X-GitHub-Delivery, an idempotency key). */
  deliveryId: string;
  sessionId: string | null;
  /** What drydock did: `pending` while it works on it, then e.g. `started`, `follow_up`, `ignored: <why>`. */
  outcome: string;
  createdAt: string;
}

/**
 * Ties a session to where its work came from or goes: `github:<owner>/<name>#<number>` for the issue or
 * pull request, `slack:<channel>/<thread>`, `schedule:<id>@<due time>`. One key names one session; a
 * session may have several keys (its issue and its pull request).
 */
export interface SessionLink {
  key: string;
  sessionId: string;
  data: JsonValue;
  createdAt: string;
}

/** Configured triggers: signed webhook hooks and schedules. Secrets are stored encrypted by the caller. */
export const TRIGGER_KINDS = ['hook', 'schedule', 'slack_channel'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

export interface TriggerRecord {
  id: string;
  kind: TriggerKind;
  /** Unique per kind. */
  name: string;
  config: JsonValue;
  /** Ciphertext (never the plain secret), or null. */
  secret: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewTriggerRecord = Pick<TriggerRecord, 'kind' | 'name' | 'config' | 'secret'>;

/**
 * A published environment image: the repository's base checkout layer plus the layer its setup wrote,
 * keyed by repository, the hash of the setup inputs and drydock's runtime version. Only an image whose
 * setup succeeded is ever stored.
 */
export interface EnvironmentImage {
  id: string;
  repo: string;
  inputsHash: string;
  runtimeVersion: string;
  /** The commit the base layer holds. */
  commit: string;
  /** Layer ids, bottom first. */
  layers: string[];
  /** The setup commands that ran. */
  setup: string[];
  /** How long setup took to build it. */
  setupMs: number;
  /** The image its setup ran on, and sessions on it run on; null: the host's system. */
  imageRoot: EnvironmentImageRoot | null;
  createdAt: string;
}

/** An image unpacked into a root file system: which one, and the layer it became. */
export interface EnvironmentImageRoot {
  /** As declared (`debian:12`), or the Dockerfile a build came from. */
  reference: string;
  /** `sha256:…` (the manifest the reference resolved to) or `build:…` (a Dockerfile build's key). */
  digest: string;
  /** The layer holding the root file system. */
  layer: string;
  /** The image config's `Env`, as a map. */
  env: Record<string, string>;
  /** The image config's `WorkingDir` and `User` (null when unset): recorded, not applied (the workspace is the working directory). */
  workingDir: string | null;
  user: string | null;
}

export type NewEnvironmentImage = Omit<EnvironmentImage, 'id' | 'createdAt' | 'imageRoot'> & {
  imageRoot?: EnvironmentImageRoot | null;
};

/** Where a registered repository lives: a path on the server, or a forge repository (`owner/name`). */
export const REPO_KINDS = ['local', 'forge'] as const;
export type RepoKind = (typeof REPO_KINDS)[number];

/**
 * A repository the server may run sessions on (docs/api.md, "Registered repositories"): in server mode
 * the API and every trigger accept only these. Registered by an admin.
 */
export interface RegisteredRepo {
  id: string;
  kind: RepoKind;
  /** `local`: the real absolute path of the repository's top level; `forge`: `owner/name` in lowercase. */
  repo: string;
  /** Who registered it (an API token's name, `cli` for `drydock repo add` on the server's machine). */
  addedBy: string;
  createdAt: string;
  /** What drydock reviews there (docs/review.md); everything off when registered. */
  review: RepoReviewSettings;
}

/** A registered repository's review settings. */
export interface RepoReviewSettings {
  /** Review pull requests opened or updated on it (forge repositories); off by default. */
  pullRequests: boolean;
}

export type NewRegisteredRepo = Pick<RegisteredRepo, 'kind' | 'repo' | 'addedBy'>;

/** What an admin changes on a registered repository. */
export interface RegisteredRepoUpdate {
  review?: Partial<RepoReviewSettings>;
}

/** The code of the ConflictError createRepo throws for a repository that is registered already. */
export const REPO_ALREADY_REGISTERED = 'repo_already_registered' satisfies ConflictCode;

/** The scope of a secret: `*` (every repository) or one repository. */
export const GLOBAL_SCOPE = '*';

export interface StoredSecret {
  scope: string;
  name: string;
  /** Ciphertext from the SecretBox; never the plain value. */
  sealed: string;
  createdAt: string;
  updatedAt: string;
}

/** A server-side playbook as stored: its markdown (front matter and steps), who last changed it, when. */
export interface StoredPlaybook {
  name: string;
  text: string;
  updatedBy: string;
  updatedAt: string;
}

/**
 * Durable state: sessions, their append-only numbered event logs, the agent's latest checkpoint (a
 * document and a log), artifacts and API tokens. Implementations: SQLite (embedded default), Postgres
 * (scale-out). All methods are safe to call concurrently from one process.
 */
export interface Store extends TrackerMappingStore, TrackerConnectionStore {
  /** Creates the session and appends its `session.created` event. Fails if the id exists. */
  createSession(session: Session): Promise<SessionEvent>;
  getSession(id: string): Promise<Session | null>;
  /** Newest first unless `filter.order` is `oldest`. */
  listSessions(filter?: SessionFilter): Promise<Session[]>;
  /**
   * Appends events (numbered from the session's last seq + 1, gap-free), applies the patch, replaces
   * the checkpoint document and changes the checkpoint log, all or nothing. Returns the appended
   * events. Throws NotFoundError for an unknown session, ConflictError `session_taken_over` (writing
   * nothing) when the write names an `owner` that no longer owns the session, and BadInputError
   * `checkpoint_log_gap` (writing nothing) for a log change whose `from` is past the log's end.
   */
  record(sessionId: string, record: StoreWrite): Promise<SessionEvent[]>;
  /**
   * Makes `owner` (a fencing token, fresh for each run) the session's owner, whoever owned it before:
   * the caller holds the session's lease, so the newest claim always wins. From then on a record() that
   * names another owner writes nothing and throws `session_taken_over`. Throws NotFoundError for an
   * unknown session.
   */
  claimSession(sessionId: string, owner: string): Promise<void>;
  /**
   * Top-level sessions created from `range.from` (included) to `range.to` (excluded), ISO times, oldest
   * first, each with the events of `types` from its log and from the logs of every session under it
   * (attempts, children, theirs), each log in order: what analytics count, without reading whole logs.
   */
  listSessionFacts(range: { from: string; to: string }, types: readonly EventType[]): Promise<SessionFacts[]>;
  /** Events with seq > afterSeq, in order. */
  listEvents(sessionId: string, afterSeq?: number, limit?: number): Promise<SessionEvent[]>;
  /** The checkpoint document alone, without reading the log: null when the session has none. */
  loadCheckpoint(sessionId: string): Promise<JsonValue | null>;
  /** The session's checkpoint log, in order; empty when it has none (or there is no such session). */
  loadCheckpointLog(sessionId: string): Promise<JsonValue[]>;
  putArtifact(artifact: NewArtifact): Promise<Artifact>;
  getArtifact(id: string): Promise<Artifact | null>;
  listArtifacts(sessionId: string): Promise<Omit<Artifact, 'content'>[]>;
  /** Stores a token (its hash). Throws ConflictError when a token with the same hash exists. */
  createToken(token: NewApiToken): Promise<ApiToken>;
  findTokenByHash(tokenHash: string): Promise<ApiToken | null>;
  /** Oldest first. */
  listTokens(): Promise<ApiToken[]>;
  /**
   * Records a delivery as `pending` unless one with the same source and id exists. Atomic: of two
   * concurrent claims exactly one gets `claimed: true`; the other gets the stored delivery.
   */
  claimDelivery(source: string, deliveryId: string): Promise<{ claimed: boolean; delivery: Delivery }>;
  /** Sets a claimed delivery's session and outcome. */
  finishDelivery(
    source: string,
    deliveryId: string,
    result: { sessionId: string | null; outcome: string },
  ): Promise<void>;
  /** Links `key` to a session; relinking a key to the same session replaces its data. ConflictError when another session holds it. */
  linkSession(key: string, sessionId: string, data: JsonValue): Promise<SessionLink>;
  findLink(key: string): Promise<SessionLink | null>;
  /** Links of one session, or every link whose key starts with `prefix`; oldest first. */
  listLinks(filter: { sessionId?: string; prefix?: string; limit?: number }): Promise<SessionLink[]>;
  /** ConflictError when a trigger of the same kind and name exists. */
  createTrigger(trigger: NewTriggerRecord): Promise<TriggerRecord>;
  /** Replaces config and secret (a null secret keeps the stored one). NotFoundError for an unknown id. */
  updateTrigger(id: string, update: { config: JsonValue; secret?: string | null }): Promise<TriggerRecord>;
  getTrigger(id: string): Promise<TriggerRecord | null>;
  findTrigger(kind: TriggerKind, name: string): Promise<TriggerRecord | null>;
  /** Oldest first. */
  listTriggers(kind: TriggerKind): Promise<TriggerRecord[]>;
  /** Returns whether it existed. */
  deleteTrigger(id: string): Promise<boolean>;
  /** Publishes an image. */
  saveEnvironment(image: NewEnvironmentImage): Promise<EnvironmentImage>;
  /** The newest image of `repo` with these inputs and runtime, or null. */
  findEnvironment(repo: string, inputsHash: string, runtimeVersion: string): Promise<EnvironmentImage | null>;
  getEnvironment(id: string): Promise<EnvironmentImage | null>;
  /** Newest first; one repository's when given. */
  listEnvironments(repo?: string): Promise<EnvironmentImage[]>;
  /** Returns whether it existed. */
  deleteEnvironment(id: string): Promise<boolean>;
  /** Creates or replaces the secret `name` in `scope`. */
  putSecret(scope: string, name: string, sealed: string): Promise<StoredSecret>;
  /** The secrets of the given scopes (a repository's plus the global ones), by scope then name. */
  listSecrets(scopes?: readonly string[]): Promise<StoredSecret[]>;
  /** Returns whether it existed. */
  deleteSecret(scope: string, name: string): Promise<boolean>;
  /**
   * Registers a repository. Atomic: of two registrations of one `repo`, one wins and the other gets a
   * ConflictError `repo_already_registered`.
   */
  createRepo(repo: NewRegisteredRepo): Promise<RegisteredRepo>;
  getRepo(id: string): Promise<RegisteredRepo | null>;
  /** The registration of exactly this `repo` (a real path, or a lowercase `owner/name`), or null. */
  findRepo(repo: string): Promise<RegisteredRepo | null>;
  /** Oldest first. */
  listRepos(): Promise<RegisteredRepo[]>;
  /** Changes a registration's settings; returns it as it now is, or null for an unknown id. */
  updateRepo(id: string, update: RegisteredRepoUpdate): Promise<RegisteredRepo | null>;
  /** Returns whether it existed. Sessions on it stay as they are. */
  deleteRepo(id: string): Promise<boolean>;
  /** Stores a new evaluation run. ConflictError when the id exists. */
  createEvalRun(run: NewEvalRun): Promise<EvalRun>;
  getEvalRun(id: string): Promise<EvalRun | null>;
  /** Newest first. */
  listEvalRuns(): Promise<EvalRun[]>;
  /** Sets a run's state (and updatedAt). NotFoundError for an unknown id. */
  setEvalRunState(id: string, state: EvalRunState): Promise<EvalRun>;
  /** Creates or replaces the instance (by run id and instance id). NotFoundError for an unknown run. */
  saveEvalInstance(instance: EvalInstanceWrite): Promise<EvalInstance>;
  /** A run's instances, in the order they were first saved. */
  listEvalInstances(runId: string): Promise<EvalInstance[]>;
  /** Stores a repository knowledge item (docs/knowledge.md), `pending` unless the input says otherwise. */
  createKnowledge(item: NewKnowledgeItem): Promise<KnowledgeItem>;
  getKnowledge(id: string): Promise<KnowledgeItem | null>;
  /** Oldest first (by when proposed). */
  listKnowledge(filter?: KnowledgeFilter): Promise<KnowledgeItem[]>;
  /**
   * Changes an item's text or decision (a decision sets decidedBy and decidedAt; an edit of the files
   * clears staleFiles) and returns it as it now is, or null for an unknown id.
   */
  updateKnowledge(id: string, update: KnowledgeUpdate): Promise<KnowledgeItem | null>;
  /** Records the files a session found missing (null: none). Does not change updatedAt. No-op for an unknown id. */
  markKnowledgeStale(id: string, staleFiles: readonly string[] | null): Promise<void>;
  /** Returns whether it existed. */
  deleteKnowledge(id: string): Promise<boolean>;
  /** Server-side playbooks (docs/playbooks.md), by name. */
  listPlaybooks(): Promise<StoredPlaybook[]>;
  getPlaybook(name: string): Promise<StoredPlaybook | null>;
  /** Creates or replaces the playbook of that name; the caller checked its text (parsePlaybook). */
  putPlaybook(playbook: { name: string; text: string; updatedBy: string }): Promise<StoredPlaybook>;
  /** Returns whether it existed. */
  deletePlaybook(name: string): Promise<boolean>;
  /**
   * Appends an entry to the audit log (docs/audit.md), stamped with the store's clock and a new id.
   * The log is append-only: no method changes an entry. The caller makes details safe (safeAuditDetails).
   */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries matching the filter, newest first (by time, then id). BadInputError for a limit outside 1–500. */
  listAudit(filter?: AuditFilter): Promise<AuditEntry[]>;
  /** Deletes entries older than `before` (ISO 8601): the retention window. Returns how many. */
  pruneAudit(before: string): Promise<number>;
  /** The limits set through the API, CLI or UI (not the server's environment ones), by scope then period. */
  listSpendLimits(): Promise<SpendLimit[]>;
  /** Sets the limit of `scope` and `period`, replacing one there was. */
  putSpendLimit(limit: Pick<SpendLimit, 'scope' | 'period' | 'amountUsd'>): Promise<SpendLimit>;
  /** Returns whether it existed. */
  deleteSpendLimit(scope: string, period: SpendPeriod): Promise<boolean>;
  /** What was spent under each limit in its current period (reservations in flight included). */
  spendStatus(limits: readonly SpendLimit[]): Promise<SpendLimitStatus[]>;
  /**
   * Atomically, against every process on the database: checks the stored and `configured` limits that
   * apply to the request's repository and creator, and either refuses (naming the first limit the
   * estimate would overshoot, or that is spent) or records a reservation of `estimateUsd` in the ledger.
   */
  reserveSpend(request: SpendReservationRequest): Promise<SpendReservation>;
  /** Turns a reservation into the call's actual cost. Idempotent; an unknown id is ignored. */
  settleSpend(id: string, costUsd: number): Promise<void>;
  /** Drops a reservation whose call failed before it cost anything. Idempotent. */
  releaseSpend(id: string): Promise<void>;
  close(): Promise<void>;
}
