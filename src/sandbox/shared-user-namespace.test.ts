import { describe, expect, it } from 'vitest';
import { identityMap } from './shared-user-namespace.ts';

describe('identityMap', () => {
  it('maps each id to itself once, one line each, for a single write', () => {
    expect(identityMap([0, 2000000000])).toBe('0 0 1\n2000000000 2000000000 1\n');
    // A non-root drydock never gets here, but a sandbox uid equal to drydock's must not map twice.
    expect(identityMap([5, 5])).toBe('5 5 1\n');
  });
});
