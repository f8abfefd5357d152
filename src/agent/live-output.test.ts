import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventData } from '../core/events.ts';
import { LiveOutput } from './live-output.ts';

describe('LiveOutput', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function live(write?: (events: EventData[]) => Promise<void>) {
    const written: EventData[] = [];
    const output = new LiveOutput(
      write ??
        (async (events) => {
          written.push(...events);
        }),
      3,
      { intervalMs: 250, maxChars: 10 },
    );
    return { output, written };
  }

  it('batches deltas until the interval passes, text and reasoning apart', async () => {
    const { output, written } = live();
    output.push('reasoning', 'hm');
    output.push('text', 'a');
    output.push('text', 'b');
    await vi.advanceTimersByTimeAsync(249);
    expect(written).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toEqual([{ type: 'model.delta', step: 3, attempt: 1, reasoning: 'hm', text: 'ab' }]);
  });

  it('writes at once when enough waits, and the rest on close', async () => {
    const { output, written } = live();
    output.push('text', '0123456');
    output.push('text', '789abc');
    output.push('text', 'd');
    await output.close();
    expect(written.map((event) => event.type === 'model.delta' && event.text)).toEqual([
      '0123456789abc',
      'd',
    ]);
  });

  it('drops what a failed attempt had not written and numbers the next attempt', async () => {
    const { output, written } = live();
    output.push('text', 'shown');
    await vi.advanceTimersByTimeAsync(250);
    output.push('text', 'unseen');
    expect(await output.retrying()).toBe(true);
    output.push('text', 'again');
    expect(await output.retrying()).toBe(false);
    output.push('text', 'final');
    await output.close();
    expect(written).toEqual([
      { type: 'model.delta', step: 3, attempt: 1, text: 'shown' },
      { type: 'model.delta', step: 3, attempt: 3, text: 'final' },
    ]);
  });

  it('keeps a failed write and throws it when the call ends', async () => {
    const { output } = live(async () => {
      throw new Error('store gone');
    });
    output.push('text', 'more than ten characters');
    await expect(output.close()).rejects.toThrow('store gone');
  });
});
