import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { UnavailableError } from '../core/errors.ts';
import type { HostUser } from '../core/ports/sandbox.ts';

/**
 * The lines of a uid_map or gid_map that map each id to itself, once each, in one write. Pure.
 */
export function identityMap(ids: readonly number[]): string {
  return [...new Set(ids)].map((id) => `${id} ${id} 1\n`).join('');
}

/**
 * A user namespace in which each of `users` is itself (uid and gid mapped to the same ids), for
 * drydock's confined programs (its git) to work on a workspace owned partly by drydock (`.git`) and
 * partly by the sandbox user (the tree the agent writes): bubblewrap joins it (`--userns`), so the
 * program runs as drydock's uid with just the capabilities it is given, which count only for files of
 * those users.
 *
 * Made once: `unshare --user` starts a process in a new namespace, drydock writes its maps (root may
 * map any ids), opens the namespace and lets the process go. The namespace lives as long as this
 * process holds it; returns the path a child opens it by, `/proc/<drydock's pid>/fd/<fd>`, which
 * cannot name another namespace while drydock runs.
 */
export async function openSharedUserNamespace(
  unsharePath: string,
  users: readonly HostUser[],
): Promise<string> {
  const child = spawn(unsharePath, ['--user', '--', '/bin/sh', '-c', 'echo ready; read _'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {},
    cwd: '/',
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.once('error', reject);
      child.once('exit', (code) =>
        reject(new Error(`unshare --user exited with ${code}: ${stderr.trim() || 'no error output'}`)),
      );
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('ready\n')) resolve();
      });
    });
    // One write each: a map can be written once.
    writeFileSync(`/proc/${child.pid}/uid_map`, identityMap(users.map((user) => user.uid)));
    writeFileSync(`/proc/${child.pid}/gid_map`, identityMap(users.map((user) => user.gid)));
    const fd = openSync(`/proc/${child.pid}/ns/user`, 'r');
    return `/proc/${process.pid}/fd/${fd}`;
  } catch (error) {
    throw new UnavailableError(
      'sandbox_userns_failed',
      `drydock could not make the user namespace its confined git runs in (${error instanceof Error ? error.message : String(error)}): ` +
        'check that `unshare --user true` works here as root.',
      { cause: error, transient: false },
    );
  } finally {
    child.removeAllListeners('exit');
    child.stdin.end();
    child.kill();
  }
}
