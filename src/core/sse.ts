/**
 * Reading a Server-Sent Events body, for every client of drydock's event stream (the CLI, the web UI,
 * tests). The parsing is eventsource-parser's (the WHATWG rules: CR, LF and CRLF line ends, comments,
 * multi-line data, fields split across chunks). Browser-safe: no node: imports.
 */
import { createParser } from 'eventsource-parser';

/** One message. `id` is the message's own `id` field; resume from the last one seen with `Last-Event-ID`. */
export interface SseMessage {
  id?: string | undefined;
  /** Absent for the default type, `message`. */
  event?: string | undefined;
  data: string;
}

export interface ReadSseOptions {
  /** Comment lines (`: keep-alive`), without the colon. */
  onComment?: (comment: string) => void;
}

/**
 * Yields the body's messages as their blank lines arrive. Ends when the body ends (a message without its
 * blank line is dropped, as EventSource does); throws what reading the body throws (an abort). Leaving
 * the loop early cancels the body, which closes the connection.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
  options: ReadSseOptions = {},
): AsyncGenerator<SseMessage> {
  const ready: SseMessage[] = [];
  const parser = createParser({
    onEvent: (message) => ready.push(message),
    ...(options.onComment ? { onComment: options.onComment } : {}),
  });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let done = false;
  try {
    while (!done) {
      const chunk = await reader.read();
      done = chunk.done;
      const text = chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      if (text !== '') parser.feed(text);
      yield* ready.splice(0);
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
