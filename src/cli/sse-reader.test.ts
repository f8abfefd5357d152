import { describe, expect, it } from 'vitest';
import { parseBlock, readSse } from './sse-reader.ts';

describe('readSse', () => {
  it('splits a stream into messages across chunk boundaries and skips comments', async () => {
    const text =
      ': keep-alive\n\nid: 1\nevent: state.changed\ndata: {"a":1}\n\nid: 2\r\ndata: x\r\ndata: y\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const messages = [];
    for await (const message of readSse(body)) messages.push(message);
    expect(messages).toEqual([
      { id: '1', event: 'state.changed', data: '{"a":1}' },
      { id: '2', data: 'x\ny' },
    ]);
  });

  it('ignores blocks without data', () => {
    expect(parseBlock('id: 3')).toBeNull();
    expect(parseBlock(': comment')).toBeNull();
  });
});
