/**
 * Red team on the sandbox's defence in depth (docs/security.md "The sandbox", docs/sandbox.md): calls
 * the seccomp filter does not list, other processes of the sandbox, what pid 1 shows, file
 * capabilities. Each test asserts the boundary as documented; a failing one is a finding.
 */
import { mkdtemp, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { seccompArch } from '../src/sandbox/seccomp-filter.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { removeTestDir } from './support/remove-dir.ts';

const provider = createBubblewrapProvider({ killGraceMs: 300 });
const x64 = seccompArch() === 'x64';

describe.skipIf(!x64)('red team: the agent sandbox', () => {
  let workspace: string;
  let sandbox: SupervisedSandbox;
  beforeAll(async () => {
    workspace = await realpath(await mkdtemp(join(tmpdir(), 'drydock-rt-sandbox-')));
    sandbox = await provider.create({ sessionId: 'rt-sandbox', workspacePath: workspace });
  });
  afterAll(async () => {
    await sandbox?.destroy();
    await removeTestDir(workspace);
  });

  it('has no socket family that leaves the network namespace: AF_VSOCK is refused', async () => {
    // vsock is not network-namespaced: in a VM (Firecracker, Kata, cloud VMs with vsock agents) a
    // socket(AF_VSOCK) + connect(CID 2, port) reaches the hypervisor host's listeners, past "no
    // network but loopback". Docker's default profile refuses socket(AF_VSOCK). Not connected here.
    const result = await sandbox.exec(
      `perl -e '$r = syscall(41, 40, 1, 0); print "vsock $r ", ($! + 0), "\\n"'`,
    );
    expect(result.output).toMatch(/^vsock -1 (1|97)\n$/);
  });

  it("cannot take another sandbox process's file descriptors (pidfd_getfd on the supervisor)", async () => {
    // The supervisor is pid 2 (bubblewrap is 1); its fd 0 is its connection to drydock.
    const result = await sandbox.exec(
      `perl -e '$p = syscall(434, 2, 0); $f = $p < 0 ? -1 : syscall(438, $p, 0, 0); print "getfd $f\\n"; exit 0 if $f < 0; print readlink("/proc/$$/fd/$f"), "\\n"'`,
    );
    expect(result.output).toBe('getfd -1\n');
  });

  it("does not show drydock's host paths through bubblewrap's pid 1 (its /proc/1/cmdline)", async () => {
    // The fix for /proc/1/environ started bubblewrap in `/` so "not even the launcher's PWD says
    // where drydock runs"; bubblewrap's own command line still names the host paths it binds.
    const result = await sandbox.exec("tr '\\0' ' ' < /proc/1/cmdline");
    expect(result.exitCode).toBe(0);
    expect(result.output).not.toContain(workspace);
    expect(result.output).not.toContain(process.cwd());
  });

  it('cannot give a file capabilities (security.capability xattr, setcap)', async () => {
    const result = await sandbox.exec(
      'touch f && perl -e \'$f = "f"; $n = "security.capability"; $v = pack("LLLLL", 0x02000000, 0x80, 0x80, 0, 0); ' +
        '$r = syscall(188, $f, $n, $v, length($v), 0); print "setxattr $r ", ($! + 0), "\\n"\'; ' +
        'cp /usr/bin/perl p && setcap cap_setuid+ep p 2>/dev/null; echo "setcap $?"',
    );
    expect(result.output).toBe('setxattr -1 1\nsetcap 1\n');
  });
});
