import { describe, expect, it } from 'vitest';
import { type Permissions, reachableBy } from './user-switch.ts';

const user = { uid: 2000000000, gid: 2000000000 };
const root = (mode: number): Permissions => ({ uid: 0, gid: 0, mode });

describe('reachableBy', () => {
  it.each([
    ['/usr/bin/node, the usual install', [root(0o755), root(0o755), root(0o755), root(0o755)], true],
    ["node under root's 0700 home (nvm)", [root(0o755), root(0o700), root(0o755), root(0o755)], false],
    ['a directory others may search but not list', [root(0o755), root(0o711), root(0o755)], true],
    ['a binary others may not execute', [root(0o755), root(0o755), root(0o750)], false],
    [
      "a directory of the sandbox user's group without group search",
      [root(0o755), { uid: 0, gid: user.gid, mode: 0o705 }, root(0o755)],
      false,
    ],
    ["the sandbox user's own 0700 directory", [root(0o755), { ...user, mode: 0o700 }, root(0o755)], true],
    ['nothing at all', [], false],
  ] as const)('%s: %s', (_, chain, reachable) => {
    expect(reachableBy(user, chain)).toBe(reachable);
  });
});
