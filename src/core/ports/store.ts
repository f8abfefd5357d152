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
  /** Newest first; default 100. */
  limit?: number;
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

/**
 * Durable state: sessions, their append-only numbered event logs, the agent's latest checkpoint and
 * artifacts. Implementations: SQLite (embedded default), Postgres (scale-out). All methods are safe
 * to call concurrently from one process.
 */
export interface Store {
  /** Creates the session and appends its `session.created` event. Fails if the id exists. */
  createSession(session: Session): Promise<SessionEvent>;
  getSession(id: string): Promise<Session | null>;
  /** Newest first. */
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
  close(): Promise<void>;
}
