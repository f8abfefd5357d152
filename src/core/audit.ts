/** JSON, as the store's JsonValue (the same shape; spelled here so the store port can import this file). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Who did something (docs/audit.md): an API token (`token:<id>`), a trigger's person (`github:<login>`,
 * `slack:<user>`, `gitlab:<user>`), a trigger itself (`hook:<name>`, `schedule:<name>`), the operator at
 * this machine's CLI (`cli:<os user>`), or `anonymous` for a request without a valid token. The same
 * shape as a session's creator, so one value serves both.
 */
export interface AuditActor {
  id: string;
  /** For people: the token's name, the GitHub login, the Slack user. */
  name: string;
}

/** Someone whose request carried no token drydock knows. */
export const ANONYMOUS_ACTOR: AuditActor = { id: 'anonymous', name: 'anonymous' };

/** `ok`: done; `refused`: turned away (auth, validation, a refused delivery); `failed`: drydock's own error. */
export const AUDIT_OUTCOMES = ['ok', 'refused', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** One line of the audit log: append-only, never changed after it is written. */
export interface AuditEntry {
  id: string;
  /** ISO 8601. */
  at: string;
  actor: AuditActor;
  /** `session.created`, `token.created`, `trigger.refused`, … (docs/audit.md lists them). */
  action: string;
  /** What it acted on (a session id, a token id, `github:<delivery id>`), or null. */
  target: string | null;
  /** A small object: names and counts, never a secret's value, strings cut short. */
  details: Record<string, JsonValue>;
  outcome: AuditOutcome;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

/** What `listAudit` reads: newest first, everything matching all the given fields. */
export interface AuditFilter {
  /** An actor's id (`token:abc`) or name, exactly. */
  actor?: string;
  /** An action exactly (`session.created`), or every one under a prefix: `session.*`. */
  action?: string;
  target?: string;
  /** ISO 8601 bounds: from inclusive, to exclusive. */
  from?: string;
  to?: string;
  /** Entries strictly older than this one (a page's last entry): the next page. */
  before?: AuditPosition;
  /** Default 50. */
  limit?: number;
}

/** Where an entry sits in the log's order (newest first: by time, then by id). */
export interface AuditPosition {
  at: string;
  id: string;
}

/** Strings in details are cut to this many characters: enough to say what, never a whole message. */
export const AUDIT_TEXT_CHARS = 200;

/** Keys whose values never go into the log, whatever a caller passes (a secret's value, a token's secret). */
const SECRET_KEYS = /(secret|password|passwd|value|token|authorization|credential|private)/i;
/** Keys that look secret but name things, not values: kept. */
const NAME_KEYS = /(name|id|scope|role|kind|count|names)$/i;

/**
 * A details object safe to keep: keys that could carry a secret's value dropped (a key ending in
 * `name`, `id`, `role`, … is a name and stays), strings cut to AUDIT_TEXT_CHARS, at most 20 keys and
 * 20 items per array, two levels deep. Pure.
 */
export function safeAuditDetails(details: Record<string, unknown>): Record<string, JsonValue> {
  return safeObject(details, 0);
}

function safeObject(object: Record<string, unknown>, depth: number): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(object).slice(0, 20)) {
    if (SECRET_KEYS.test(key) && !NAME_KEYS.test(key)) continue;
    const safe = safeValue(value, depth);
    if (safe !== undefined) out[key] = safe;
  }
  return out;
}

function safeValue(value: unknown, depth: number): JsonValue | undefined {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return cutText(value);
  if (depth >= 2) return undefined;
  if (Array.isArray(value)) {
    return value
      .slice(0, 20)
      .map((item) => safeValue(item, depth + 1))
      .filter((item): item is JsonValue => item !== undefined);
  }
  if (typeof value === 'object') return safeObject(value as Record<string, unknown>, depth + 1);
  return undefined;
}

/** `text` cut to AUDIT_TEXT_CHARS with an ellipsis. Pure. */
export function cutText(text: string, maxChars = AUDIT_TEXT_CHARS): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** The outcome of an HTTP request that answered `status`. Pure. */
export function outcomeOfStatus(status: number): AuditOutcome {
  if (status >= 500) return 'failed';
  if (status >= 400) return 'refused';
  return 'ok';
}

/** Where audit entries go: the store (its `appendAudit`), or anything with that method. */
export interface AuditSink {
  appendAudit(entry: NewAuditEntry): Promise<unknown>;
}

/** What a caller says about an action; recordAudit makes the details safe and fills the defaults. */
export interface AuditRecord {
  actor: AuditActor;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
  /** Default `ok`. */
  outcome?: AuditOutcome;
}

/**
 * Appends one entry with its details made safe (safeAuditDetails). Never throws: the action it records
 * happened already, so a failed write is reported to `onError` (default: stderr) and the caller goes on.
 */
export async function recordAudit(
  sink: AuditSink,
  record: AuditRecord,
  onError: (error: unknown) => void = reportToStderr,
): Promise<void> {
  try {
    await sink.appendAudit({
      actor: { id: cutText(record.actor.id), name: cutText(record.actor.name) },
      action: cutText(record.action, 80),
      target: record.target === undefined || record.target === null ? null : cutText(record.target),
      details: safeAuditDetails(record.details ?? {}),
      outcome: record.outcome ?? 'ok',
    });
  } catch (error) {
    onError(error);
  }
}

function reportToStderr(error: unknown): void {
  console.error('drydock: writing the audit log failed:', error);
}
