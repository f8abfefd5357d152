import { describe, expect, it } from 'vitest';
import { isDrydockError } from '../core/errors.ts';
import { chooseSandboxUser, DEFAULT_SANDBOX_HOST_ID, subordinateStart } from './sandbox-user.ts';

const root = { uid: 0, gid: 0 };
const DEFAULT = { uid: DEFAULT_SANDBOX_HOST_ID, gid: DEFAULT_SANDBOX_HOST_ID };

describe('chooseSandboxUser', () => {
  it.each([
    ['a root drydock, nothing configured', { drydock: root }, DEFAULT, 'default'],
    [
      'the uid configured',
      { drydock: root, configured: '1500000000' },
      { uid: 1500000000, gid: 1500000000 },
      'configured',
    ],
    [
      'uid and gid configured',
      { drydock: root, configured: ' 700000000:700000001 ' },
      { uid: 700000000, gid: 700000001 },
      'configured',
    ],
    [
      "the drydock user's subordinate ranges",
      {
        drydock: root,
        subuid: 'alice:100000:65536\ndrydock:800000000:65536\n',
        subgid: 'drydock:900000000:65536\n',
      },
      { uid: 800000000, gid: 900000000 },
      'subordinate',
    ],
    [
      'a subordinate uid range without a gid range: the same id',
      { drydock: root, subuid: 'drydock:800000000:65536' },
      { uid: 800000000, gid: 800000000 },
      'subordinate',
    ],
    [
      'configured over subordinate',
      { drydock: root, configured: '1234567', subuid: 'drydock:800000000:65536' },
      { uid: 1234567, gid: 1234567 },
      'configured',
    ],
    [
      "other users' ranges and malformed lines are not the sandbox's",
      { drydock: root, subuid: 'alice:100000:65536\ndrydock:x:1\ndrydock:5\n# drydock:1:1\n' },
      DEFAULT,
      'default',
    ],
    ['an empty variable is unset', { drydock: root, configured: '  ' }, DEFAULT, 'default'],
  ] as const)('%s', (_, input, user, source) => {
    expect(chooseSandboxUser(input)).toEqual({ user, source, separate: true });
  });

  it('keeps a drydock that is not root on its own user, whatever is configured', () => {
    const drydock = { uid: 1001, gid: 1001 };
    expect(chooseSandboxUser({ drydock, configured: '2000', subuid: 'drydock:800000000:65536' })).toEqual({
      user: drydock,
      source: 'drydock',
      separate: false,
    });
  });

  it.each(['0', '0:0', '5:0', 'abc', '-1', '4294967295', '1:2:3', '1.5', '99999999999'])(
    'refuses DRYDOCK_SANDBOX_UID=%s, saying what to give instead',
    (configured) => {
      let error: unknown;
      try {
        chooseSandboxUser({ drydock: root, configured });
      } catch (caught) {
        error = caught;
      }
      expect(isDrydockError(error) && error.code).toBe('bad_sandbox_uid');
      expect((error as Error).message).toContain('give a uid from 1 to 4294967294');
    },
  );
});

describe('subordinateStart', () => {
  it('is the first valid range of the owner, or null', () => {
    expect(subordinateStart('drydock:100000:65536\ndrydock:300000:65536', 'drydock')).toBe(100000);
    expect(subordinateStart('drydock:4294967290:65536', 'drydock')).toBeNull();
    expect(subordinateStart(undefined, 'drydock')).toBeNull();
  });
});
