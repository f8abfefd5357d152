import { InternalError } from '../core/errors.ts';
import type { EventData, SessionEvent } from '../core/events.ts';
import { isSessionTakenOver, type JsonValue, type SessionPatch, type Store } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import type { SessionState } from '../core/session-state.ts';
import { canTransition } from '../core/session-state.ts';
import { type Redact, redactJson } from '../environments/redactor.ts';
import { listChange } from './checkpoint-log-change.ts';
import { checkpointJson } from './checkpoint-schema.ts';
import type { SessionCheckpoint } from './session-checkpoint.ts';
import type { RunObserver } from './session-deps.ts';

/**
 * The runner's one way to write: events, session fields and the checkpoint go to the store together,
 * then to live observers. It tracks the session's state so every transition is checked and logged.
 */
export class SessionRecorder {
  readonly #store: Store;
  readonly #observer: RunObserver;
  readonly #owner: string | undefined;
  #session: Session;
  #redact: Redact | null = null;
  #takenOver: Error | null = null;
  /**
   * The checkpoint log's entries as this recorder last wrote them (the coder's messages, unredacted),
   * so the next checkpoint writes only the messages after them; null until a write succeeds, and again
   * after one fails or the redaction changes, so the next rewrites the log from the start.
   */
  #logged: readonly JsonValue[] | null = null;

  /**
   * With `owner` (the run's fencing token, claimed on the session), every write is fenced: once the
   * store refuses one because another run claimed the session, every later record() throws the same
   * error without touching the store.
   */
  constructor(store: Store, session: Session, observer: RunObserver, options: { owner?: string } = {}) {
    this.#store = store;
    this.#session = session;
    this.#observer = observer;
    this.#owner = options.owner;
  }

  get session(): Session {
    return this.#session;
  }

  /**
   * The store's refusal (ConflictError `session_taken_over`) once another run took the session over,
   * else null: this run must stop and write nothing more.
   */
  get takenOver(): Error | null {
    return this.#takenOver;
  }

  /**
   * From now on, secret values are replaced in everything recorded (events, checkpoint document and
   * log entries). Null (no secrets) records as given, without walking the checkpoint.
   */
  redactWith(redact: Redact | null): void {
    if (redact !== this.#redact) this.#logged = null;
    this.#redact = redact;
  }

  /** A text with the session's secret values replaced: for artifacts. */
  redact(text: string): string {
    return this.#redact ? this.#redact(text) : text;
  }

  /**
   * Writes events, session fields and (when given) the checkpoint in one store transaction. The
   * checkpoint's document is replaced; of its conversation only the messages since this recorder's last
   * write go to the log (all of them on its first write, from where a compaction diverged after one).
   */
  async record(
    events: EventData[],
    patch: SessionPatch = {},
    checkpoint?: SessionCheckpoint,
  ): Promise<SessionEvent[]> {
    if (this.#takenOver !== null) throw this.#takenOver;
    const redact = this.#redact;
    const hide = <T>(value: T): T => (redact ? (redactJson(value as JsonValue, redact) as T) : value);
    const stored = checkpoint === undefined ? undefined : checkpointJson(checkpoint);
    const logChange = stored === undefined ? null : listChange(this.#logged, stored.log);
    let written: SessionEvent[];
    try {
      written = await this.#store.record(this.#session.id, {
        events: events.map(hide),
        patch: hide(patch),
        ...(stored === undefined ? {} : { checkpoint: hide(stored.document) }),
        ...(logChange === null
          ? {}
          : { checkpointLog: { from: logChange.from, entries: logChange.entries.map(hide) } }),
        ...(this.#owner === undefined ? {} : { owner: this.#owner }),
      });
    } catch (error) {
      // Whether the log changed is unknown (an error after commit): the next write rewrites it.
      this.#logged = null;
      if (isSessionTakenOver(error)) this.#takenOver = error;
      throw error;
    }
    if (stored !== undefined) this.#logged = stored.log;
    this.#session = { ...this.#session, ...patch };
    for (const event of written) this.#observer.onEvent?.(event);
    return written;
  }

  /** Moves the session to `to`, logging why. Throws on a transition the lifecycle does not allow. */
  async transition(
    to: SessionState,
    options: {
      reason?: string;
      patch?: SessionPatch;
      events?: EventData[];
      checkpoint?: SessionCheckpoint;
    } = {},
  ) {
    const from = this.#session.state;
    if (!canTransition(from, to)) {
      throw new InternalError(
        'invalid_transition',
        `Session ${this.#session.id} cannot go from ${from} to ${to}.`,
      );
    }
    const changed: EventData = {
      type: 'state.changed',
      from,
      to,
      ...(options.reason ? { reason: options.reason } : {}),
    };
    await this.record(
      [...(options.events ?? []), changed],
      { ...options.patch, state: to },
      options.checkpoint,
    );
  }
}
