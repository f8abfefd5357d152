import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser.ts';

describe('SseParser', () => {
  it('parses id, event and data fields and skips comments', () => {
    const parser = new SseParser();
    const messages = parser.push(': keep-alive\n\nid: 1\nevent: state.changed\ndata: {"seq":1}\n\n');
    expect(messages).toEqual([{ id: '1', event: 'state.changed', data: '{"seq":1}' }]);
    expect(parser.lastEventId).toBe('1');
  });

  it('joins multi-line data with newlines and defaults the event to message', () => {
    const messages = new SseParser().push('data: one\ndata:two\ndata\n\n');
    expect(messages).toEqual([{ id: undefined, event: 'message', data: 'one\ntwo\n' }]);
  });

  it('keeps a message split across chunks anywhere, including inside a field name', () => {
    const text = 'id: 7\nevent: tool.result\ndata: {"a":"b: c"}\n\nid: 8\ndata: x\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();
      const messages = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(messages, `cut at ${cut}`).toEqual([
        { id: '7', event: 'tool.result', data: '{"a":"b: c"}' },
        { id: '8', event: 'message', data: 'x' },
      ]);
      expect(parser.lastEventId).toBe('8');
    }
  });

  it('accepts CRLF and CR line ends, also when CRLF is split between chunks', () => {
    const parser = new SseParser();
    const messages = [...parser.push('id: 1\r\ndata: a\r'), ...parser.push('\n\r\nid: 2\rdata: b\r\r')];
    expect(messages.map((m) => [m.id, m.data])).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });

  it('does not dispatch a message until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('id: 3\ndata: partial\n')).toEqual([]);
    expect(parser.lastEventId).toBeUndefined();
    expect(parser.push('\n')).toHaveLength(1);
  });

  it('remembers an id sent without data (a resume point) but dispatches nothing', () => {
    const parser = new SseParser();
    expect(parser.push('id: 42\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('42');
  });

  it('strips exactly one space after the colon', () => {
    expect(new SseParser().push('data:  two spaces\n\n')[0]?.data).toBe(' two spaces');
  });
});
