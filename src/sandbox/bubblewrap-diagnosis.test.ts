import { describe, expect, it } from 'vitest';
import { explainBubblewrapFailure } from './bubblewrap-diagnosis.ts';

describe('explainBubblewrapFailure', () => {
  it.each([
    [
      'bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.',
      'cannot create user namespaces',
    ],
    ['bwrap: setting up uid map: Permission denied', 'cannot create user namespaces'],
    ['bwrap: Creating new namespace failed: Operation not permitted', 'cannot create user namespaces'],
    ["bwrap: Can't mount proc on /newroot/proc: Operation not permitted", 'cannot mount /proc'],
    ['bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted', 'private network namespace'],
    ['bwrap: Unknown option --disable-userns', 'too old'],
    [
      'drydock-launcher: 4: cannot create /sys/fs/cgroup/pids/drydock/s/cgroup.procs: Permission denied\ndrydock: cannot move the sandbox into its cgroup /sys/fs/cgroup/pids/drydock/s/cgroup.procs',
      'could not move the sandbox into its cgroup',
    ],
    [
      'mount: /tmp/drydock-scripts-0/stage/workspace: special device /data/ws does not exist.\ndrydock: cannot bind a path for the sandbox: /data/ws at /tmp/drydock-scripts-0/stage/workspace',
      'could not bind what the sandbox needs',
    ],
    ['bwrap: something new', 'failed to start the sandbox'],
  ])('explains %j', (stderr, cause) => {
    const message = explainBubblewrapFailure(stderr);
    expect(message).toContain(cause);
    expect(message).toContain(stderr);
    expect(message).toContain('--sandbox none');
  });
});
