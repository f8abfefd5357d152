import { readSse, type SseMessage } from '../../src/core/sse.ts';

export type { SseMessage };

export interface SseStream {
  messages: SseMessage[];
  /** Comment lines seen (`: keep-alive`). */
  comments: string[];
  status: number;
  /** Resolves once a message matches, or rejects after timeoutMs. */
  waitFor(match: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
  closed: Promise<void>;
}

/** A minimal EventSource over fetch, for tests: records every message and comment it receives. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters: Array<() => void> = [];
  const closed = (async () => {
    if (!response.body) return;
    try {
      for await (const message of readSse(response.body, { onComment: (c) => comments.push(c) })) {
        messages.push(message);
        for (const wake of waiters.splice(0)) wake();
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    messages,
    comments,
    status: response.status,
    closed,
    close: () => controller.abort(),
    async waitFor(match, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`no matching SSE message within ${timeoutMs} ms; got ${messages.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}
