import { readSse } from '../../src/core/sse.ts';
import type { Api } from './api.ts';
import { ApiError } from './api.ts';
import type { StreamEvent } from './types.ts';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface StreamOptions {
  onEvent: (event: StreamEvent) => void;
  onStatus?: (status: StreamStatus, error?: ApiError) => void;
  /** Resume after this seq (the page already has the events up to it). */
  lastEventId?: string;
  signal: AbortSignal;
  /** Waits between reconnects, for tests. */
  retryMs?: { min: number; max: number };
}

function parseEvent(data: string): StreamEvent | null {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null) return null;
    const event = value as Partial<StreamEvent>;
    if (typeof event.seq !== 'number' || typeof event.data !== 'object' || event.data === null) return null;
    return event as StreamEvent;
  } catch {
    return null;
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/**
 * Follows a session's event stream over fetch (so the token goes in a header, not the URL), parsing SSE
 * with core's `readSse`. On a dropped connection it reconnects with `Last-Event-ID`, backing off while nothing arrives.
 * Stops for good on abort, 401, 403 or 404. Never throws.
 */
export async function streamEvents(api: Api, sessionId: string, options: StreamOptions): Promise<void> {
  const { signal } = options;
  const retry = options.retryMs ?? { min: 500, max: 10_000 };
  let lastEventId = options.lastEventId;
  let waitMs = retry.min;
  const setStatus = (next: StreamStatus, error?: ApiError) => options.onStatus?.(next, error);
  setStatus('connecting');
  while (!signal.aborted) {
    let received = false;
    try {
      const res = await api.openEvents(sessionId, lastEventId, signal);
      if (!res.body) throw new ApiError(0, 'no_stream', 'The server sent no event stream.');
      setStatus('live');
      for await (const message of readSse(res.body)) {
        const event = parseEvent(message.data);
        if (event === null) continue;
        received = true;
        lastEventId = message.id ?? String(event.seq);
        options.onEvent(event);
      }
    } catch (error) {
      if (signal.aborted) break;
      if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
        setStatus('closed', error);
        return;
      }
    }
    if (signal.aborted) break;
    setStatus('reconnecting');
    waitMs = received ? retry.min : Math.min(retry.max, waitMs * 2);
    await sleep(waitMs, signal);
  }
  setStatus('closed');
}
