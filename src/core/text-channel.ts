/**
 * An async iterable fed by hand: what `ExecOptions.stdin` reads from when the text is not all known up
 * front (a conversation with a command). Iterated once; `close()` ends it after what was pushed.
 */
export interface TextChannel extends AsyncIterable<string> {
  /** Queues text for the reader. Ignored once closed. */
  push(text: string): void;
  /** Ends the iteration once the queued text is read. Idempotent. */
  close(): void;
}

export function createTextChannel(): TextChannel {
  const queued: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  return {
    push(text) {
      if (closed) return;
      queued.push(text);
      notify();
    },
    close() {
      closed = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const next = queued.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (closed) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
