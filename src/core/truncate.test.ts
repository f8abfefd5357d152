import { describe, expect, it } from 'vitest';
import { truncate, truncateText, truncationMarker } from './truncate.ts';

describe('truncate', () => {
  it('leaves text that fits alone', () => {
    expect(truncate('short', 5)).toEqual({ text: 'short', truncated: false, cutChars: 0 });
  });

  it('keeps the head of one line, with the marker inline and counted in the budget', () => {
    const text = 'Fix the flaky retry test in thueue contract suite so that CI stops failing';
    const result = truncate(text, 60);
    expect(result.text.length).toBeLessThanOrEqual(60);
    expect(result.truncated).toBe(true);
    expect(result.text).toBe(
      `Fix the flaky retry test in th ${truncationMarker(result.cutChars, 'characters')}`,
    );
    expect(result.text).toHaveLength(60);
    expect(result.cutChars).toBe(text.length - 'Fix the flaky retry test in th'.length);
  });

  it('keeps the tail of several lines, the marker on a line of its own', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    const result = truncate(lines.join('\n'), 100, { keep: 'tail' });
    expect(result.text.length).toBeLessThanOrEqual(100);
    const [marker, ...kept] = result.text.split('\n');
    expect(marker).toBe(`[… ${result.cutChars} characters truncated …]`);
    expect(kept.at(-1)).toBe('line 199');
    expect(lines.join('\n').endsWith(kept.join('\n'))).toBe(true);
  });

  it('keeps both ends in the share asked for, with a note in the marker', () => {
    const text = `${'a'.repeat(1000)}\n${'b'.repeat(1000)}`;
    const note = 'the full output is kept as an artifact';
    const result = truncate(text, 300, { keep: 'both', headShare: 0.4, note });
    const [head, marker, tail] = result.text.split('\n');
    expect(result.text.length).toBe(300);
    expect(marker).toBe(`[… ${result.cutChars} characters truncated; ${note} …]`);
    expect(head).toMatch(/^a+$/);
    expect(tail).toMatch(/^b+$/);
    expect(head?.length).toBe(Math.floor(((head?.length ?? 0) + (tail?.length ?? 0)) * 0.4));
    expect((head?.length ?? 0) + (tail?.length ?? 0) + result.cutChars).toBe(text.length);
  });

  it('counts exactly when the count gains a digit because of the marker', () => {
    // 109 characters into 100: a 9-character cut cannot pay for the marker, the real cut has 2 digits.
    const result = truncate('x'.repeat(109), 100);
    expect(result.text.length).toBeLessThanOrEqual(100);
    expect(result.text).toBe(
      `${'x'.repeat(109 - result.cutChars)} ${truncationMarker(result.cutChars, 'characters')}`,
    );
  });

  it('never splits a surrogate pair', () => {
    const text = '😀'.repeat(40);
    for (const keep of ['head', 'tail', 'both'] as const) {
      for (let max = 30; max < 60; max++) {
        const { text: out } = truncate(text, max, { keep });
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      }
    }
  });

  it('gives the marker alone when even it does not fit', () => {
    expect(truncateText('abcdef', 3)).toBe('[… 6 characters truncated …]');
  });
});
