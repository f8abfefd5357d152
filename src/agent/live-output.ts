import type { EventData } from '../core/events.ts';

/** Which part of a reply a delta belongs to: what the model says, or what it thinks first. */
export type DeltaKind = 'text' | 'reasoning';

/** When streamed output is written: every `intervalMs`, or sooner once `maxChars` wait. */
export interface DeltaBatchPolicy {
  intervalMs: number;
  maxChars: number;
}

/** About four writes a second while a model types, and never one per token. */
export const DEFAULT_DELTA_BATCH: DeltaBatchPolicy = { intervalMs: 250, maxChars: 2_048 };

/**
 * One model call's output as it streams, written in batches as `model.delta` events for live viewers.
 * Deltas never go into the checkpoint: the call's `model.response` stays the record of the turn.
 * A failed attempt's deltas are superseded by the next attempt's (`retrying`), which starts from scratch.
 * Never throws from `push`: a failed write is kept and thrown by `close` or `retrying`.
 */
export class LiveOutput {
  readonly #write: (events: EventData[]) => Promise<void>;
  readonly #step: number;
  readonly #policy: DeltaBatchPolicy;
  #attempt = 1;
  #text = '';
  #reasoning = '';
  /** Whether this attempt wrote a delta: its retry then says they are superseded. */
  #wrote = false;
  #timer: NodeJS.Timeout | undefined;
  #writes: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | null = null;

  constructor(write: (events: EventData[]) => Promise<void>, step: number, policy = DEFAULT_DELTA_BATCH) {
    this.#write = write;
    this.#step = step;
    this.#policy = policy;
  }

  push(kind: DeltaKind, delta: string): void {
    if (delta === '' || this.#failure) return;
    if (kind === 'text') this.#text += delta;
    else this.#reasoning += delta;
    if (this.#text.length + this.#reasoning.length >= this.#policy.maxChars) {
      this.#flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#flush(), this.#policy.intervalMs);
    }
  }

  /**
   * The attempt failed and another follows: what it had not written yet is dropped, and the next
   * deltas belong to the next attempt. Resolves to whether the failed attempt had written any.
   */
  async retrying(): Promise<boolean> {
    this.#drop();
    await this.#settle();
    const wrote = this.#wrote;
    this.#attempt += 1;
    this.#wrote = false;
    return wrote;
  }

  /** The call ended (answered or failed for good): writes what waits and resolves once all is written. */
  async close(): Promise<void> {
    this.#flush();
    await this.#settle();
  }

  /** The call is abandoned (cancelled, failed): nothing more is written. */
  async discard(): Promise<void> {
    this.#drop();
    await this.#settle();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if ((this.#text === '' && this.#reasoning === '') || this.#failure) return;
    const event: EventData = {
      type: 'model.delta',
      step: this.#step,
      attempt: this.#attempt,
      ...(this.#reasoning === '' ? {} : { reasoning: this.#reasoning }),
      ...(this.#text === '' ? {} : { text: this.#text }),
    };
    this.#text = '';
    this.#reasoning = '';
    this.#wrote = true;
    // One write at a time, in order: a viewer appends each delta to the last.
    this.#writes = this.#writes.then(async () => {
      if (this.#failure) return;
      try {
        await this.#write([event]);
      } catch (error) {
        this.#failure = { error };
      }
    });
  }

  #drop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#text = '';
    this.#reasoning = '';
  }

  async #settle(): Promise<void> {
    await this.#writes;
    if (this.#failure) throw this.#failure.error;
  }
}
