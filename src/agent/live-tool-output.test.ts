import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventData } from '../core/events.ts';
import { createRedactor } from '../environments/redactor.ts';
import { LiveToolOutput, type ToolOutputPolicy } from './live-tool-output.ts';

const SMALL: ToolOutputPolicy = { intervalMs: 250, maxBatchChars: 8, headChars: 20, tailChars: 6 };

describe('LiveToolOutput', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function live(options: { policy?: ToolOutputPolicy; redact?: Parameters<typeof createRedactor>[0] } = {}) {
    const written: EventData[] = [];
    const output = new LiveToolOutput(
      async (events) => {
        written.push(...events);
      },
      { step: 4, toolCallId: 'call-1' },
      options.redact ? createRedactor(options.redact) : undefined,
      options.policy ?? { ...SMALL, maxBatchChars: 1_000, headChars: 1_000 },
    );
    const texts = () => written.map((event) => (event.type === 'tool.output' ? event.text : '?'));
    return { output, written, texts };
  }

  it('batches chunks until the interval passes, then writes them as one event of the call', async () => {
    const { output, written } = live();
    output.push('line1\n');
    output.push('line2\n');
    await vi.advanceTimersByTimeAsync(249);
    expect(written).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toEqual([{ type: 'tool.output', step: 4, toolCallId: 'call-1', text: 'line1\nline2\n' }]);
    output.push('line3\n');
    await output.close();
    expect(written).toHaveLength(2);
    expect(written[1]).toMatchObject({ text: 'line3\n' });
  });

  it('writes at once, in events of at most maxBatchChars, when a batch fills up', async () => {
    const { output, texts } = live({ policy: { ...SMALL, headChars: 1_000 } });
    output.push('0123456789abcdefghij');
    await vi.advanceTimersByTimeAsync(0);
    expect(texts()).toEqual(['01234567', '89abcdef', 'ghij']);
  });

  it('keeps the first headChars as they come and, at the end, a marker and the last tailChars', async () => {
    const { output, texts } = live({ policy: SMALL });
    for (let i = 0; i < 10; i++) output.push(`${i}abcd\n`);
    await vi.advanceTimersByTimeAsync(250);
    // The head (20 characters) is out while the command runs; nothing of the rest yet.
    expect(texts().join('')).toBe('0abcd\n1abcd\n2abcd\n3a');
    await output.close();
    const all = texts().join('');
    // 60 characters printed: the 20 of the head, 34 left out, the 6 of the tail.
    expect(all).toBe('0abcd\n1abcd\n2abcd\n3a\n[… 34 characters truncated …]\n9abcd\n');
  });

  it('bounds what a chatty command writes however much it prints', async () => {
    const { output, texts } = live({ policy: SMALL });
    for (let i = 0; i < 10_000; i++) output.push('spam spam spam\n');
    await vi.advanceTimersByTimeAsync(60_000);
    await output.close();
    const all = texts().join('');
    expect(all.length).toBeLessThan(SMALL.headChars + SMALL.tailChars + 60);
    expect(all).toContain('[… 149974 characters truncated …]');
  });

  it('redacts a secret split between two chunks, and between two batches', async () => {
    const secret = 'hunter2-very-secret-value';
    const { output, texts } = live({ redact: [{ name: 'TOKEN', value: secret }] });
    output.push(`token is ${secret.slice(0, 9)}`);
    await vi.advanceTimersByTimeAsync(250);
    output.push(`${secret.slice(9)} done\n`);
    await vi.advanceTimersByTimeAsync(250);
    await output.close();
    const all = texts().join('');
    expect(all).toBe('token is [secret TOKEN] done\n');
    for (const text of texts()) expect(text).not.toContain(secret.slice(0, 9));
  });

  it('redacts before cutting, so the cut cannot leave a piece of a secret', async () => {
    const secret = 'abcdefghijklmnop';
    const { output, texts } = live({
      policy: { ...SMALL, headChars: 12 },
      redact: [{ name: 'S', value: secret }],
    });
    output.push(`xxxxxxxx${secret}yy`);
    await output.close();
    const all = texts().join('');
    expect(all).not.toMatch(/abcd|mnop/);
    expect(all.startsWith('xxxxxxxx[sec')).toBe(true);
  });

  it('writes nothing for a silent call, ignores pushes after close, and throws a failed write on close', async () => {
    const quiet = live();
    await quiet.output.close();
    quiet.output.push('late');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(quiet.written).toEqual([]);

    const failing = new LiveToolOutput(
      async () => {
        throw new Error('store gone');
      },
      { step: 1, toolCallId: 'c' },
    );
    failing.push('a');
    await vi.advanceTimersByTimeAsync(250);
    failing.push('b');
    await expect(failing.close()).rejects.toThrow('store gone');
  });
});
