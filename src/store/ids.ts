import { randomBytes } from 'node:crypto';
import type { IdGenerator } from '../core/ports/ids.ts';

/** Lowercase base32 without i, l, o and u, so ids read aloud and typed back are not misread. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Random URL-safe ids. 12 characters carry 60 bits: a billion ids collide with odds of about one
 * in two thousand, enough for sessions and the artifacts they keep.
 */
export function createRandomIds(length = 12): IdGenerator {
  return {
    next() {
      // 32 divides 256, so masking each byte to 5 bits keeps every character equally likely.
      const bytes = randomBytes(length);
      let id = '';
      for (const byte of bytes) id += ALPHABET[byte & 31];
      return id;
    },
  };
}

/** `${prefix}1`, `${prefix}2`, ...: predictable ids for tests. */
export function createSequentialIds(prefix = 'id-'): IdGenerator {
  let last = 0;
  return {
    next() {
      last += 1;
      return `${prefix}${last}`;
    },
  };
}
