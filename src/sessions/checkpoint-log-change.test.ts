import { describe, expect, it } from 'vitest';
import { listChange } from './checkpoint-log-change.ts';

const a = { text: 'a' };
const b = { text: 'b' };
const c = { text: 'c' };
const d = { text: 'd' };

describe('listChange', () => {
  it.each([
    ['first write of a run: everything from 0', null, [a, b], { from: 0, entries: [a, b] }],
    ['first write, empty list: clears the log', null, [], { from: 0, entries: [] }],
    ['nothing new', [a, b], [a, b], null],
    ['an append: only what is new', [a, b], [a, b, c, d], { from: 2, entries: [c, d] }],
    ['a compaction keeps the head and rewrites the rest', [a, b, c], [a, d], { from: 1, entries: [d] }],
    ['a shorter list truncates', [a, b, c], [a, b], { from: 2, entries: [] }],
    ['everything new', [a, b], [c], { from: 0, entries: [c] }],
  ])('%s', (_, previous, next, expected) => {
    expect(listChange(previous, next)).toEqual(expected);
  });

  it('compares by reference: an equal copy is a change', () => {
    expect(listChange([a, b], [a, { text: 'b' }])).toEqual({ from: 1, entries: [{ text: 'b' }] });
  });
});
