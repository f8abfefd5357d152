/**
 * What the sandbox abuse suites share (sandbox-escape.test.ts, sandbox-disk-escape.test.ts): small
 * limits, the variants every attack runs on (a plain sandbox, one on a Debian image root, one handed
 * over from a spare), and probes of the host's processes and cgroups. A suite that uses the variants
 * drains the spares after it: `afterAll(() => spareProvider.drainSpares())`.
 */
import { readdir, readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import type { SandboxLimits, SandboxProvider, SandboxSpec } from '../../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../../src/sandbox/bubblewrap-provider.ts';
import {
  cgroupDir,
  detectLimitEnvironment,
  parseCgroupMounts,
  parseProcessCgroups,
} from '../../src/sandbox/limit-detection.ts';
import { CGROUP_CONTROLLERS, type CgroupController, chooseLimitPlan } from '../../src/sandbox/limit-plan.ts';
import { resolveSandboxLimits } from '../../src/sandbox/resource-limits.ts';
import type { SupervisedSandbox } from '../../src/sandbox/supervised-sandbox.ts';
import { debianImage, debianImageUnavailable } from './test-images.ts';

export const MiB = 1024 * 1024;
export const SMALL: SandboxLimits = { memoryBytes: 64 * MiB, pids: 64, cpus: 0.5, tmpBytes: 8 * MiB };
/** drydock's own Node in a sandbox on the host's system; an image variant runs the image's. */
export const NODE = '/opt/drydock/node/bin/node';

const provider = createBubblewrapProvider({ killGraceMs: 300, warn: () => {} });
/** Spares take root (their workspace is mounted in): elsewhere the suite runs on plain sandboxes only. */
const asRoot = process.getuid?.() === 0;
export const spareProvider = createBubblewrapProvider({ killGraceMs: 300, spares: 1 });

/**
 * A sandbox handed over from a spare (docs/sandbox.md "Spare sandboxes"): the first of a shape
 * (limits, environment) starts as usual and fills the spare, so it is put back and the spare taken.
 */
async function fromSpare(spec: SandboxSpec): Promise<SupervisedSandbox> {
  await spareProvider.sparesSettled();
  let sandbox = await spareProvider.create(spec);
  if (!sandbox.id.startsWith('spare-')) {
    await sandbox.destroy();
    await spareProvider.sparesSettled();
    sandbox = await spareProvider.create(spec);
  }
  // Not a sandbox started as usual after a failed hand-off: the attacks must reach a spare.
  expect(sandbox.id).toMatch(/^spare-/);
  return sandbox;
}

/**
 * The suite runs on a plain sandbox and on one handed over from a spare: a spare holds every limit
 * and boundary a plain sandbox holds. Its cgroups are made before its session is known, so they are
 * named after the spare (`spare-…`), not the session: limits are the session's all the same (spares
 * are kept per shape of limits), and the release and the sweep (cgroup-sweep.ts: any empty cgroup
 * under drydock/) go by the cgroup, not by its name.
 */
export interface Variant {
  name: string;
  create(spec: SandboxSpec): Promise<SupervisedSandbox>;
  provider: SandboxProvider;
  /** How the cgroups of a sandbox of `sessionId` are named. */
  cgroupPrefix(sessionId: string): string;
  /** A Node the sandbox runs commands with. */
  node: string;
}

/** A Debian image root (test-images.ts) where debootstrap could make one: every attack again on it. */
const noDebian = await debianImageUnavailable();
if (noDebian !== null)
  console.warn(`sandbox escape tests: no Debian image here (${noDebian}); its variant skips`);
const debian = noDebian === null ? await debianImage() : null;
const onDebian = (spec: SandboxSpec): Promise<SupervisedSandbox> =>
  provider.create(debian === null ? spec : { ...spec, root: debian });
export const variants: Variant[] = [
  {
    name: 'plain',
    create: (spec) => provider.create(spec),
    provider,
    cgroupPrefix: (sessionId) => `${sessionId}-`,
    node: NODE,
  },
  ...(debian === null
    ? []
    : [
        {
          name: 'on a Debian image root',
          create: onDebian,
          provider: { ...provider, create: onDebian },
          cgroupPrefix: (sessionId: string) => `${sessionId}-`,
          node: 'node',
        },
      ]),
  ...(asRoot
    ? [
        {
          name: 'from a spare',
          create: fromSpare,
          provider: { ...spareProvider, create: fromSpare },
          cgroupPrefix: () => 'spare-',
          node: NODE,
        },
      ]
    : []),
];
export const expected = chooseLimitPlan(await detectLimitEnvironment(), resolveSandboxLimits(SMALL)).inForce;
export const cgroups = expected.mechanism === 'cgroup-v1' || expected.mechanism === 'cgroup-v2';
if (!cgroups)
  console.warn(`sandbox escape tests: limits are enforced by ${expected.mechanism} here; cgroup tests skip`);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function eventually(check: () => Promise<boolean>, timeoutMs = 3000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

/** Host pids whose command line contains the marker. */
export async function hostProcessesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/** The host directories of a process's cgroups, per controller (one directory for all on v2). */
export async function cgroupDirsOf(pid: number): Promise<Partial<Record<CgroupController, string>>> {
  const mounts = parseCgroupMounts(await readFile('/proc/self/mountinfo', 'utf8'));
  const own = parseProcessCgroups(await readFile(`/proc/${pid}/cgroup`, 'utf8'));
  const dirs: Partial<Record<CgroupController, string>> = {};
  for (const controller of CGROUP_CONTROLLERS) {
    const v1Mount = mounts.v1[controller];
    const v1Path = own.v1[controller];
    const dir =
      expected.mechanism === 'cgroup-v2'
        ? mounts.v2 && own.v2 !== null
          ? cgroupDir(mounts.v2, own.v2)
          : null
        : v1Mount && v1Path !== undefined
          ? cgroupDir(v1Mount, v1Path)
          : null;
    if (dir !== null) dirs[controller] = dir;
  }
  return dirs;
}

/** A `key N` line of a cgroup file (pids.events `max`, cpu.stat `nr_throttled`). */
export async function cgroupCounter(file: string, key: string): Promise<number | null> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const match = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match === null ? null : Number(match[1]);
}
