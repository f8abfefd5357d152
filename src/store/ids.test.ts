import { describe, expect, it } from 'vitest';
import { createRandomIds, createSequentialIds } from './ids.ts';

describe('ids', () => {
  it('makes short, URL-safe, distinct random ids', () => {
    const ids = createRandomIds();
    const made = Array.from({ length: 1000 }, () => ids.next());
    for (const id of made) expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{12}$/);
    expect(new Set(made).size).toBe(made.length);
    expect(createRandomIds(6).next()).toHaveLength(6);
  });

  it('makes predictable sequential ids', () => {
    const ids = createSequentialIds('s-');
    expect([ids.next(), ids.next(), ids.next()]).toEqual(['s-1', 's-2', 's-3']);
  });
});
