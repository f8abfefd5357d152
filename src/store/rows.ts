import type { Insertable, Selectable, Updateable } from 'kysely';
import { BadInputError, InternalError } from '../core/errors.ts';
import type { EventData, SessionEvent } from '../core/events.ts';
import type { EgressRule } from '../core/ports/sandbox.ts';
import type { ApiToken, Artifact, JsonValue, SessionPatch } from '../core/ports/store.ts';
import { TOKEN_ROLES } from '../core/ports/store.ts';
import {
  type Requester,
  SESSION_KINDS,
  type Session,
  type SessionCreator,
  type SessionKind,
  type Usage,
} from '../core/session.ts';
import { SESSION_STATES, type SessionState } from '../core/session-state.ts';
import type { ArtifactsTable, EventsTable, SessionsTable, TokensTable } from './database.ts';

/** Conversions between domain objects and table rows, shared by every Kysely-backed store. */

export function toSessionRow(session: Session): Insertable<SessionsTable> {
  return {
    id: session.id,
    state: session.state,
    task: toText(session.task),
    repo: toText(session.repo),
    ref: toText(session.ref),
    base_commit: toNullableText(session.baseCommit),
    head_commit: toNullableText(session.headCommit),
    branch: toNullableText(session.branch),
    model: toText(session.model),
    steps: session.steps,
    input_tokens: session.usage.inputTokens,
    output_tokens: session.usage.outputTokens,
    cost_usd: session.usage.costUsd,
    ...usageBreakdownColumns(session.usage),
    summary: toNullableText(session.summary),
    reason: toNullableText(session.reason),
    requested_by: session.requestedBy ? JSON.stringify(session.requestedBy) : null,
    created_by: session.createdBy ? JSON.stringify(session.createdBy) : null,
    friend_model: session.friendModel === undefined ? null : toText(session.friendModel),
    allow_hosts: session.allowHosts?.length ? JSON.stringify(session.allowHosts) : null,
    kind: session.kind ?? null,
    parent_id: session.parentId ?? null,
    attempt_models: session.attemptModels ? JSON.stringify(session.attemptModels) : null,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
  };
}

export function fromSessionRow(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    state: toState(row),
    task: row.task,
    repo: row.repo,
    ref: row.ref,
    baseCommit: row.base_commit,
    headCommit: row.head_commit,
    branch: row.branch,
    model: row.model,
    steps: row.steps,
    usage: usageFromRow(row),
    summary: row.summary,
    reason: row.reason,
    ...(row.requested_by ? { requestedBy: JSON.parse(row.requested_by) as Requester } : {}),
    ...(row.created_by ? { createdBy: JSON.parse(row.created_by) as SessionCreator } : {}),
    ...(row.friend_model ? { friendModel: row.friend_model } : {}),
    ...(row.allow_hosts ? { allowHosts: JSON.parse(row.allow_hosts) as EgressRule[] } : {}),
    ...(row.kind ? { kind: toKind(row.kind) } : {}),
    ...(row.parent_id ? { parentId: row.parent_id } : {}),
    ...(row.attempt_models ? { attemptModels: JSON.parse(row.attempt_models) as string[] } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The usage columns beyond input, output and cost (sessions and eval instances have them). */
export function usageBreakdownColumns(usage: Usage) {
  return {
    cache_read_tokens: usage.cacheReadTokens ?? 0,
    cache_write_tokens: usage.cacheWriteTokens ?? 0,
    reasoning_tokens: usage.reasoningTokens ?? 0,
    cost_unknown: usage.costUnknown ? 1 : 0,
  };
}

/** The breakdown fields only where they are non-zero, as `addUsage` builds them. */
export function usageFromRow(
  row: Pick<
    Selectable<SessionsTable>,
    | 'input_tokens'
    | 'output_tokens'
    | 'cost_usd'
    | 'cache_read_tokens'
    | 'cache_write_tokens'
    | 'reasoning_tokens'
    | 'cost_unknown'
  >,
): Usage {
  const usage: Usage = {
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    costUsd: row.cost_usd,
  };
  const cacheReadTokens = Number(row.cache_read_tokens);
  const cacheWriteTokens = Number(row.cache_write_tokens);
  const reasoningTokens = Number(row.reasoning_tokens);
  if (cacheReadTokens > 0) usage.cacheReadTokens = cacheReadTokens;
  if (cacheWriteTokens > 0) usage.cacheWriteTokens = cacheWriteTokens;
  if (reasoningTokens > 0) usage.reasoningTokens = reasoningTokens;
  if (Number(row.cost_unknown) !== 0) usage.costUnknown = true;
  return usage;
}

/** The columns a patch sets; fields left undefined are not touched. */
export function toSessionUpdate(patch: SessionPatch): Updateable<SessionsTable> {
  const update: Updateable<SessionsTable> = {};
  if (patch.state !== undefined) update.state = patch.state;
  if (patch.baseCommit !== undefined) update.base_commit = toNullableText(patch.baseCommit);
  if (patch.headCommit !== undefined) update.head_commit = toNullableText(patch.headCommit);
  if (patch.branch !== undefined) update.branch = toNullableText(patch.branch);
  if (patch.steps !== undefined) update.steps = patch.steps;
  if (patch.usage !== undefined) {
    update.input_tokens = patch.usage.inputTokens;
    update.output_tokens = patch.usage.outputTokens;
    update.cost_usd = patch.usage.costUsd;
    Object.assign(update, usageBreakdownColumns(patch.usage));
  }
  if (patch.summary !== undefined) update.summary = toNullableText(patch.summary);
  if (patch.reason !== undefined) update.reason = toNullableText(patch.reason);
  return update;
}

export function toEventRow(event: SessionEvent): Insertable<EventsTable> {
  return {
    session_id: event.sessionId,
    seq: event.seq,
    at: event.at,
    type: event.data.type,
    data: toJson(event.data, `event ${event.seq} (${event.data.type}) of session ${event.sessionId}`),
  };
}

export function fromEventRow(row: Selectable<EventsTable>): SessionEvent {
  return {
    sessionId: row.session_id,
    seq: row.seq,
    at: row.at,
    data: JSON.parse(row.data) as EventData,
  };
}

export function fromArtifactRow(row: Selectable<ArtifactsTable>): Artifact {
  return {
    id: row.id,
    sessionId: row.session_id,
    name: row.name,
    contentType: row.content_type,
    content: row.content,
    createdAt: row.created_at,
  };
}

/**
 * Text for a text column. Postgres text cannot hold NUL (tool output can: binary files, `find -print0`),
 * so NUL becomes U+FFFD, the character already standing in for bytes that are not UTF-8, on every
 * database alike. JSON columns keep NUL: JSON escapes it.
 */
export function toText(value: string): string {
  return value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
}

function toNullableText(value: string | null): string | null {
  return value === null ? null : toText(value);
}

/** JSON text for a JSON column. Throws BadInputError for values JSON cannot hold (BigInt, cycles). */
export function toJson(value: unknown, what: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new BadInputError(
      'unserializable_json',
      `Cannot store ${what}: it is not JSON (${String(error)}).`,
      {
        cause: error,
      },
    );
  }
  if (json === undefined) {
    throw new BadInputError('unserializable_json', `Cannot store ${what}: it is not JSON (${typeof value}).`);
  }
  return json;
}

export function fromJson(json: string): JsonValue {
  return JSON.parse(json) as JsonValue;
}

function toState(row: Selectable<SessionsTable>): SessionState {
  const state = SESSION_STATES.find((known) => known === row.state);
  if (state === undefined) {
    throw new InternalError(
      'unknown_session_state',
      `Session ${row.id} has unknown state "${row.state}" in the store.`,
    );
  }
  return state;
}

function toKind(kind: string): SessionKind {
  const known = SESSION_KINDS.find((k) => k === kind);
  if (known === undefined) {
    throw new InternalError('unknown_session_kind', `A session has unknown kind "${kind}" in the store.`);
  }
  return known;
}

export function fromTokenRow(row: Selectable<TokensTable>): ApiToken {
  const role = TOKEN_ROLES.find((known) => known === row.role);
  if (role === undefined) {
    throw new InternalError(
      'unknown_token_role',
      `Token ${row.id} has unknown role "${row.role}" in the store.`,
    );
  }
  return { id: row.id, name: row.name, role, tokenHash: row.token_hash, createdAt: row.created_at };
}
