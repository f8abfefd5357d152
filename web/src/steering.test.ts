import { describe, expect, it } from 'vitest';
import { canSteer } from './steering.ts';
import type { Me } from './types.ts';

const me = (role: Me['role'], id = 'a'): Me => ({ id, name: id, role, creator: `token:${id}` });

describe('canSteer', () => {
  const mine = { createdBy: { id: 'token:a', name: 'a' } };
  const theirs = { createdBy: { id: 'token:b', name: 'b' } };
  it.each([
    ['not known yet', null, theirs, true],
    ['admin', me('admin', 'z'), theirs, true],
    ['member, own', me('member'), mine, true],
    ["member, another's", me('member'), theirs, false],
    ['member, no creator', me('member'), {}, false],
    ['viewer', me('viewer'), mine, false],
  ] as const)('%s → %s', (_, who, session, expected) => {
    expect(canSteer(who, session)).toBe(expected);
  });
});
