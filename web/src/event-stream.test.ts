import { describe, expect, it } from 'vitest';
import { type Api, ApiError } from './api.ts';
import { type StreamStatus, streamEvents } from './event-stream.ts';
import type { StreamEvent } from './types.ts';

const sse = (seq: number) =>
  `id: ${seq}\nevent: state.changed\ndata: ${JSON.stringify({ sessionId: 's', seq, at: '', data: { type: 'x' } })}\n\n`;

/** An Api whose event stream answers from a list of scripted connections, recording each Last-Event-ID. */
function fakeApi(connections: Array<string[] | ApiError>, asked: Array<string | undefined>): Api {
  return {
    openEvents: async (_id: string, lastEventId: string | undefined) => {
      asked.push(lastEventId);
      const next = connections.shift();
      if (next === undefined) return new Response(new ReadableStream({ start() {} }));
      if (next instanceof ApiError) throw next;
      const encoder = new TextEncoder();
      return new Response(
        new ReadableStream({
          start(controller) {
            for (const chunk of next) controller.enqueue(encoder.encode(chunk));
            controller.close();
          },
        }),
      );
    },
  } as unknown as Api;
}

describe('streamEvents', () => {
  it('resumes after a dropped connection with the last event id and delivers every event once', async () => {
    const asked: Array<string | undefined> = [];
    const seen: number[] = [];
    const controller = new AbortController();
    const whole = sse(2);
    const api = fakeApi(
      [
        [sse(1), whole.slice(0, 9), whole.slice(9)],
        [': keep-alive\n\n', sse(3)],
      ],
      asked,
    );
    const done = streamEvents(api, 's', {
      signal: controller.signal,
      retryMs: { min: 1, max: 5 },
      onEvent: (event: StreamEvent) => {
        seen.push(event.seq);
        if (event.seq === 3) controller.abort();
      },
    });
    await done;
    expect(seen).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, '2']);
  });

  it('stops for good on 401 and reports it', async () => {
    const statuses: StreamStatus[] = [];
    const asked: Array<string | undefined> = [];
    await streamEvents(fakeApi([new ApiError(401, 'unauthenticated', 'no')], asked), 's', {
      signal: new AbortController().signal,
      onEvent: () => {},
      onStatus: (status) => statuses.push(status),
    });
    expect(asked).toHaveLength(1);
    expect(statuses.at(-1)).toBe('closed');
  });
});
