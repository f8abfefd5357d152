import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import pRetry from 'p-retry';
import { UnavailableError } from '../core/errors.ts';
import { NO_ISOLATION_HINT } from './bubblewrap-diagnosis.ts';
import { type CgroupLayout, parseOomKillCount } from './cgroup-layout.ts';

/** A sandbox's cgroups, made; the launcher moves the sandbox into them through procsFiles. */
export interface SandboxCgroup {
  readonly procsFiles: readonly string[];
  /** How many processes the memory limit has killed so far; null without a memory cgroup. */
  oomKillCount(): Promise<number | null>;
  /** Kills every process still in the cgroups and removes them. Idempotent; never throws. */
  destroy(): Promise<void>;
}

/** How long teardown keeps killing and retrying rmdir (a dying task keeps its cgroup busy for a moment). */
const TEARDOWN_MS = 3000;

function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function readPids(procsFile: string): Promise<number[]> {
  const text = await readFile(procsFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map(Number);
}

async function killAll(layout: CgroupLayout): Promise<void> {
  if (layout.killFile !== null) await writeFile(layout.killFile, '1').catch(() => {});
  const deadline = Date.now() + TEARDOWN_MS;
  for (;;) {
    const pids = (await Promise.all(layout.procsFiles.map(readPids))).flat();
    if (pids.length === 0 || Date.now() > deadline) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await sleep(20);
  }
}

/** Removes the cgroups, retrying one still busy every 20 ms until the teardown's time is up; gives up quietly. */
async function removeDirs(dirs: readonly string[]): Promise<void> {
  const deadline = Date.now() + TEARDOWN_MS;
  for (const dir of dirs) {
    await pRetry(() => rmdir(dir), {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 20,
      factor: 1,
      maxRetryTime: Math.max(0, deadline - Date.now()),
      shouldRetry: ({ error }) => errnoCode(error) === 'EBUSY',
    }).catch(() => {});
  }
}

/**
 * Creates the cgroups of one sandbox and sets its limits. On failure removes what it made and throws
 * an UnavailableError that names the path, the cause and the fix.
 */
export async function createSandboxCgroup(layout: CgroupLayout): Promise<SandboxCgroup> {
  let step = '';
  try {
    for (const dir of layout.create) {
      step = `create ${dir}`;
      await mkdir(dir, { recursive: true });
    }
    for (const write of layout.writes) {
      step = `write ${write.value} to ${write.path}`;
      try {
        await writeFile(write.path, write.value);
      } catch (error) {
        if (!(write.optional === true && errnoCode(error) === 'ENOENT')) throw error;
      }
    }
  } catch (error) {
    await removeDirs(layout.remove);
    const reason = error instanceof Error ? error.message : String(error);
    throw new UnavailableError(
      'sandbox_limits_failed',
      `drydock could not set up the sandbox's cgroup (${step}: ${reason}). Run drydock as root with the ` +
        'cgroup v1 memory, pids and cpu hierarchies mounted, or delegate a cgroup v2 subtree with those ' +
        `controllers enabled in drydock's cgroup.subtree_control, ${NO_ISOLATION_HINT}.`,
      { cause: error, transient: false, details: { step } },
    );
  }

  let destroying: Promise<void> | undefined;
  return {
    procsFiles: layout.procsFiles,
    async oomKillCount() {
      if (layout.oomEventsFile === null) return null;
      const text = await readFile(layout.oomEventsFile, 'utf8').catch(() => null);
      return text === null ? null : parseOomKillCount(text);
    },
    destroy() {
      destroying ??= (async () => {
        await killAll(layout);
        await removeDirs(layout.remove);
      })();
      return destroying;
    },
  };
}
