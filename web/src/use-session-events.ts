import { useEffect, useRef, useState } from 'react';
import type { Api, ApiError } from './api.ts';
import { type StreamStatus, streamEvents } from './event-stream.ts';
import { appendEvent } from './timeline.ts';
import type { StreamEvent } from './types.ts';

export interface SessionEvents {
  events: readonly StreamEvent[];
  status: StreamStatus;
  error: ApiError | undefined;
}

/** The session's event log: replayed from the start, then live, for as long as the page is open. */
export function useSessionEvents(
  api: Api,
  sessionId: string,
  onEvent: (event: StreamEvent) => void,
): SessionEvents {
  const [events, setEvents] = useState<readonly StreamEvent[]>([]);
  const [status, setStatus] = useState<StreamStatus>('connecting');
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const onEventRef = useRef(onEvent);
  onEventRef.current = onEvent;

  useEffect(() => {
    const controller = new AbortController();
    setEvents([]);
    // Events arrive in bursts on replay; batch them into one render.
    let pending: StreamEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const batch = pending;
      pending = [];
      setEvents((current) => batch.reduce(appendEvent, current));
    };
    void streamEvents(api, sessionId, {
      signal: controller.signal,
      onEvent: (event) => {
        pending.push(event);
        onEventRef.current(event);
        timer ??= setTimeout(flush, 30);
      },
      onStatus: (next, err) => {
        setStatus(next);
        setError(err);
      },
    });
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, sessionId]);

  return { events, status, error };
}
