import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDrydockError, isUnavailable, UnavailableError } from '../core/errors.ts';
import type { HostUser, SandboxSpec } from '../core/ports/sandbox.ts';
import { NO_ISOLATION_HINT } from './bubblewrap-diagnosis.ts';
import { bubblewrapMissing } from './find-bubblewrap.ts';
import type { SupervisedSandbox } from './supervised-sandbox.ts';

/** What a bubblewrap provider's check() tries: its binary, and a probe sandbox made as any other. */
export interface BubblewrapCheck {
  /** The bwrap binary's path; throws bubblewrap_missing. */
  bubblewrap(): Promise<string>;
  create(spec: SandboxSpec): Promise<SupervisedSandbox>;
  /** The host user every process of a sandbox must run as. */
  hostUser: HostUser;
}

/** The Uid line of a host process's status: real, effective, saved and filesystem uid. */
async function hostUids(pid: number | undefined): Promise<number[] | null> {
  if (pid === undefined) return null;
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const line = /^Uid:\s+(.*)$/m.exec(status)?.[1];
  return line === undefined ? null : line.trim().split(/\s+/).map(Number);
}

/** Starts a sandbox on an empty workspace and refuses (sandbox_unsafe) one that kept root or capabilities. */
async function probe({ create, hostUser }: BubblewrapCheck): Promise<void> {
  const workspacePath = await mkdtemp(join(tmpdir(), 'drydock-probe-'));
  try {
    const sandbox = await create({ sessionId: 'probe', workspacePath });
    try {
      const status = await sandbox.exec(['cat', '/proc/self/status'], { timeoutMs: 10_000 });
      if (!/^CapEff:\s*0+$/m.test(status.output) || /^Uid:\s*0\s/m.test(status.output)) {
        throw new UnavailableError(
          'sandbox_unsafe',
          'The bubblewrap probe sandbox kept root or capabilities; refusing to run sessions in it. Check ' +
            `that bwrap is not setuid-patched and supports --uid and --cap-drop, ${NO_ISOLATION_HINT}.`,
          { transient: false, details: { status: status.output } },
        );
      }
      // From the host: every uid of the sandbox process is the sandbox user's, none is root.
      const uids = await hostUids(sandbox.hostPid);
      if (uids === null || uids.some((uid) => uid !== hostUser.uid)) {
        throw new UnavailableError(
          'sandbox_unsafe',
          `The bubblewrap probe sandbox runs as host uids ${uids?.join(', ') ?? 'unknown'}, not as the sandbox ` +
            `user ${hostUser.uid}; refusing to run sessions in it. Check that setpriv (util-linux) works here, ` +
            `${NO_ISOLATION_HINT}.`,
          { transient: false },
        );
      }
    } finally {
      await sandbox.destroy();
    }
  } finally {
    await rm(workspacePath, { recursive: true, force: true });
  }
}

/**
 * A bubblewrap provider's check(): bwrap is there and runs, and a probe sandbox starts without root
 * or capabilities, as the sandbox user. Throws an UnavailableError naming the cause, the fix and the
 * escape hatch (`--sandbox none`).
 */
export async function checkBubblewrap(check: BubblewrapCheck): Promise<void> {
  const bwrap = await check.bubblewrap();
  const versionExit = await new Promise<number | null>((resolve, reject) => {
    const version = spawn(bwrap, ['--version'], { stdio: 'ignore' });
    version.once('error', (error) => reject(bubblewrapMissing(bwrap, error)));
    version.once('exit', (code) => resolve(code));
  });
  if (versionExit !== 0) {
    throw new UnavailableError(
      'bubblewrap_unusable',
      `\`${bwrap} --version\` failed (exit code ${versionExit}): reinstall bubblewrap, ${NO_ISOLATION_HINT}.`,
      { transient: false },
    );
  }
  try {
    await probe(check);
  } catch (error) {
    if (isUnavailable(error, 'bubblewrap_missing', 'sandbox_unsafe', 'sandbox_tools_missing')) throw error;
    // Start and cgroup failures are explained already (cause, fix, the escape hatch); others are not.
    const explained = isDrydockError(error) && error.message.includes(NO_ISOLATION_HINT);
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnavailableError(
      'bubblewrap_unusable',
      explained
        ? reason
        : `bubblewrap is installed but drydock could not run a probe sandbox with it (${reason}). Check ` +
            `that \`bwrap --unshare-all --unshare-user --uid 1000 --ro-bind / / true\` works here, ${NO_ISOLATION_HINT}.`,
      { cause: error, transient: false },
    );
  }
}
