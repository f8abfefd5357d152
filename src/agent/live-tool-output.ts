import type { EventData } from '../core/events.ts';
import { NO_REDACTION, type Redact } from '../core/redaction.ts';
import { createStreamingRedactor, type StreamingRedactor } from '../core/streaming-redactor.ts';
import { truncationMarker } from '../core/truncate.ts';

/** How a running command's output is written as `tool.output` events. */
export interface ToolOutputPolicy {
  /** Write what waits every `intervalMs`. */
  intervalMs: number;
  /** At most this many characters in one event (more waiting is written at once, in several). */
  maxBatchChars: number;
  /** Of one call's output, the first `headChars` are written as they come… */
  headChars: number;
  /** …and of the rest only the last `tailChars`, with a truncation marker, once the command ends. */
  tailChars: number;
}

/**
 * About four writes a second; a call writes at most 24 KiB of characters (the first 16 and the last 8), so a
 * chatty command (an install, a verbose test run) cannot flood the event log: its `tool.result` keeps the
 * output the model saw, and the full output is an artifact.
 */
export const DEFAULT_TOOL_OUTPUT: ToolOutputPolicy = {
  intervalMs: 250,
  maxBatchChars: 4_096,
  headChars: 16_384,
  tailChars: 8_192,
};

/**
 * One tool call's output as it streams, written in batches as `tool.output` events for live viewers.
 * Redacted as one stream before it is cut or batched, so a secret split between two chunks (or two
 * batches) never shows, and cutting cannot leave a piece of one. Never goes into the checkpoint.
 * Never throws from `push`: a failed write is kept and thrown by `close`.
 */
export class LiveToolOutput {
  readonly #write: (events: EventData[]) => Promise<void>;
  readonly #step: number;
  readonly #toolCallId: string;
  readonly #policy: ToolOutputPolicy;
  readonly #redactor: StreamingRedactor;
  /** Redacted text not written yet. */
  #pending = '';
  /** How many more characters go out as they come. */
  #headLeft: number;
  /** The latest characters past the head, at most `tailChars`; written when the command ends. */
  #tail = '';
  /** Characters past the head dropped from the tail. */
  #elided = 0;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #writes: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | null = null;

  constructor(
    write: (events: EventData[]) => Promise<void>,
    call: { step: number; toolCallId: string },
    redact: Redact = NO_REDACTION,
    policy: ToolOutputPolicy = DEFAULT_TOOL_OUTPUT,
  ) {
    this.#write = write;
    this.#step = call.step;
    this.#toolCallId = call.toolCallId;
    this.#policy = policy;
    this.#redactor = createStreamingRedactor(redact);
    this.#headLeft = policy.headChars;
  }

  /** A chunk of output as the command printed it (unredacted). */
  push(chunk: string): void {
    if (chunk === '' || this.#closed || this.#failure) return;
    this.#accept(this.#redactor.push(chunk));
    if (this.#pending.length >= this.#policy.maxBatchChars) this.#flush();
    else if (this.#pending !== '' && this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#flush(), this.#policy.intervalMs);
    }
  }

  /**
   * The command ended (or was abandoned): writes what waits, then the end of a long output after a marker
   * saying how much was left out, and resolves once everything is written. Later pushes are ignored.
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#accept(this.#redactor.flush());
      if (this.#tail !== '') {
        const marker = this.#elided > 0 ? `\n${truncationMarker(this.#elided, 'characters')}\n` : '';
        this.#pending += marker + this.#tail;
        this.#tail = '';
      }
      this.#flush();
    }
    await this.#writes;
    if (this.#failure) throw this.#failure.error;
  }

  /** Redacted text: into the head while it has room, then into the rolling tail. */
  #accept(text: string): void {
    if (text === '') return;
    const head = text.slice(0, this.#headLeft);
    this.#pending += head;
    this.#headLeft -= head.length;
    const rest = text.slice(head.length);
    if (rest === '') return;
    this.#tail += rest;
    const over = this.#tail.length - this.#policy.tailChars;
    if (over > 0) {
      this.#elided += over;
      this.#tail = this.#tail.slice(over);
    }
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending === '' || this.#failure) return;
    const events: EventData[] = [];
    for (let at = 0; at < this.#pending.length; at += this.#policy.maxBatchChars) {
      events.push({
        type: 'tool.output',
        step: this.#step,
        toolCallId: this.#toolCallId,
        text: this.#pending.slice(at, at + this.#policy.maxBatchChars),
      });
    }
    this.#pending = '';
    // One write at a time, in order: a viewer appends each batch to the last.
    this.#writes = this.#writes.then(async () => {
      if (this.#failure) return;
      try {
        await this.#write(events);
      } catch (error) {
        this.#failure = { error };
      }
    });
  }
}
