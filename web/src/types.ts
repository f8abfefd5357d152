/**
 * The API's shapes (docs/api.md). Sessions and events are the core's own types, imported type-only so the
 * UI and the server cannot drift apart; nothing from the server ends up in the bundle.
 */
import type { CheckSummary, EventData, ReviewFinding, SessionEvent } from '../../src/core/events.ts';
import type { Session } from '../../src/core/session.ts';
import type { SessionState } from '../../src/core/session-state.ts';

export type { CheckSummary, EventData, ReviewFinding, Session, SessionEvent, SessionState };

export const SESSION_STATES: readonly SessionState[] = [
  'queued',
  'provisioning',
  'setup',
  'working',
  'verifying',
  'reviewing',
  'delivering',
  'delivered',
  'bowed_out',
  'failed',
  'cancelled',
];

const TERMINAL: ReadonlySet<string> = new Set(['delivered', 'bowed_out', 'failed', 'cancelled']);

export function isTerminalState(state: string): boolean {
  return TERMINAL.has(state);
}

export interface ArtifactInfo {
  id: string;
  name: string;
  contentType: string;
  createdAt: string;
}

export type SessionDetail = Session & { artifacts: ArtifactInfo[] };

export interface NewSessionInput {
  repo: string;
  task: string;
  model?: string;
  ref?: string;
}

/**
 * An event as the stream delivers it. Newer servers may send types this UI does not know yet, so `data`
 * is widened: known types narrow through `type`, unknown ones render generically.
 */
export interface StreamEvent {
  sessionId: string;
  seq: number;
  at: string;
  data: EventData | { type: string; [key: string]: unknown };
}
