import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { describe, expect, it } from 'vitest';
import { readSse, type SseMessage } from './sse.ts';

/** A body that delivers the bytes in the given pieces, recording whether the reader cancelled it. */
function body(
  bytes: Uint8Array,
  cuts: readonly number[],
): { stream: ReadableStream<Uint8Array>; cancelled: () => boolean } {
  let cancelled = false;
  const ends = [...cuts, bytes.length];
  let start = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const end = ends.shift();
      if (end === undefined) return controller.close();
      controller.enqueue(bytes.slice(start, end));
      start = end;
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

async function read(bytes: Uint8Array, cuts: readonly number[] = []) {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  for await (const message of readSse(body(bytes, cuts).stream, { onComment: (c) => comments.push(c) })) {
    messages.push(message);
  }
  return { messages, comments };
}

/** What drydock's server sends: hono's streamSSE with ids, event types, JSON and a keep-alive. */
async function serverBytes(): Promise<Uint8Array> {
  const app = new Hono().get('/', (c) =>
    streamSSE(c, async (stream) => {
      await stream.write(': keep-alive\n\n');
      await stream.writeSSE({
        id: '1',
        event: 'state.changed',
        data: JSON.stringify({ seq: 1, to: 'working' }),
      });
      await stream.writeSSE({ id: '2', event: 'tool.result', data: 'first line ✓\nsecond line 😀' });
      await stream.writeSSE({ data: '{"seq":3}' });
    }),
  );
  return new Uint8Array(await (await app.request('/')).arrayBuffer());
}

const EXPECTED: SseMessage[] = [
  { id: '1', event: 'state.changed', data: '{"seq":1,"to":"working"}' },
  { id: '2', event: 'tool.result', data: 'first line ✓\nsecond line 😀' },
  { id: undefined, event: undefined, data: '{"seq":3}' },
];

describe('readSse', () => {
  it("reads the server's stream whole, and split at every byte, the same way", async () => {
    const bytes = await serverBytes();
    const whole = await read(bytes);
    expect(whole.messages).toEqual(EXPECTED);
    expect(whole.comments).toEqual(['keep-alive']);
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect((await read(bytes, everyByte)).messages).toEqual(EXPECTED);
  });

  it('reads it split once at each position (inside field names, multi-byte characters, blank lines)', async () => {
    const bytes = await serverBytes();
    for (let cut = 1; cut < bytes.length; cut++) {
      expect((await read(bytes, [cut])).messages, `cut at ${cut}`).toEqual(EXPECTED);
    }
  });

  it('takes CRLF split between its CR and LF as one line end, and bare CR as one', async () => {
    const crlf = new TextEncoder().encode('id: 7\r\ndata: a\r\n\r\ndata: b\r\r');
    for (let cut = 1; cut < crlf.length; cut++) {
      expect((await read(crlf, [cut])).messages, `cut at ${cut}`).toEqual([
        { id: '7', event: undefined, data: 'a' },
        { id: undefined, event: undefined, data: 'b' },
      ]);
    }
  });

  it('joins data lines, takes a bare field name as empty, strips one space after the colon', async () => {
    const bytes = new TextEncoder().encode('data: one\ndata:two\ndata\ndata:  three\n\n');
    expect((await read(bytes)).messages).toEqual([
      { id: undefined, event: undefined, data: 'one\ntwo\n\n three' },
    ]);
  });

  it('drops a message the stream ended before finishing, and yields nothing for an id alone', async () => {
    const bytes = new TextEncoder().encode('id: 4\n\ndata: complete\n\ndata: cut off');
    expect((await read(bytes)).messages).toEqual([{ id: undefined, event: undefined, data: 'complete' }]);
  });

  it('cancels the body when the reader stops early, so the connection closes', async () => {
    const { stream, cancelled } = body(await serverBytes(), [40, 100, 150]);
    for await (const message of readSse(stream)) {
      expect(message.id).toBe('1');
      break;
    }
    expect(cancelled()).toBe(true);
  });
});
