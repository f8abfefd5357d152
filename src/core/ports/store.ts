import type { EventData, SessionEvent } from '../events.ts';
import type { Session } from '../session.ts';
import type { SessionState } from '../session-state.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Fields of a session that change as it runs. */
export type SessionPatch = Partial<
  Pick<Session, 'state' | 'baseCommit' | 'headCommit' | 'branch' | 'steps' | 'usage' | 'summary' | 'reason'>
>;

export interface SessionFilter {
  state?: SessionState;
  repo?: string;
  /** Default 100. */
  limit?: number;
  /** Newest first by default; `oldest` for a worker picking queued sessions in arrival order. */
  order?: 'newest' | 'oldest';
}

/** One atomic write: events appended, the session patched and the agent checkpoint replaced together. */
export interface StoreWrite {
  events?: readonly EventData[];
  patch?: SessionPatch;
  checkpoint?: JsonValue;
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

/**
 * Durable state: sessions, their append-only numbered event logs, the agent's latest checkpoint,
 * artifacts and API tokens. Implementations: SQLite (embedded default), Postgres (scale-out). All methods are safe
 * to call concurrently from one process.
 */
export interface Store {
  /** Creates the session and appends its `session.created` event. Fails if the id exists. */
  createSession(session: Session): Promise<SessionEvent>;
  getSession(id: string): Promise<Session | null>;
  /** Newest first unless `filter.order` is `oldest`. */
  listSessions(filter?: SessionFilter): Promise<Session[]>;
  /**
   * Appends events (numbered from the session's last seq + 1, gap-free), applies the patch and
   * replaces the checkpoint, all or nothing. Returns the appended events. Throws NotFoundError for
   * an unknown session.
   */
  record(sessionId: string, record: StoreWrite): Promise<SessionEvent[]>;
  /** Events with seq > afterSeq, in order. */
  listEvents(sessionId: string, afterSeq?: number, limit?: number): Promise<SessionEvent[]>;
  loadCheckpoint(sessionId: string): Promise<JsonValue | null>;
  putArtifact(artifact: NewArtifact): Promise<Artifact>;
  getArtifact(id: string): Promise<Artifact | null>;
  listArtifacts(sessionId: string): Promise<Omit<Artifact, 'content'>[]>;
  /** Stores a token (its hash). Throws ConflictError when a token with the same hash exists. */
  createToken(token: NewApiToken): Promise<ApiToken>;
  findTokenByHash(tokenHash: string): Promise<ApiToken | null>;
  /** Oldest first. */
  listTokens(): Promise<ApiToken[]>;
  close(): Promise<void>;
}
