import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg, release, tmpdir, totalmem } from 'node:os';
import { basename } from 'node:path';
import { detectLimitEnvironment } from '../src/sandbox/limit-detection.ts';
import { chooseLimitPlan } from '../src/sandbox/limit-plan.ts';
import { resolveSandboxLimits } from '../src/sandbox/resource-limits.ts';
import { runProcess } from './processes.ts';

export interface Machine {
  os: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** The node the sandbox's PATH finds (what `npm test` runs on inside it), if any. */
  systemNode: string;
  bubblewrap: string;
  git: string;
  /** The filesystem the benchmarks write to (the temp dir): file creation dominates workspace copies. */
  tempFilesystem: string;
  /** How a sandbox with the default limits enforces them here. */
  limitMechanism: string;
  /** 1-minute load average when the run started: another job on the machine shows here. */
  loadAtStart: number;
}

async function firstLine(file: string, args: readonly string[]): Promise<string> {
  const result = await runProcess(file, args).catch(() => null);
  if (result === null || result.exitCode !== 0) return 'not found';
  return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? 'unknown';
}

function field(text: string, pattern: RegExp): string | undefined {
  return text.match(pattern)?.[1]?.trim();
}

/** `ext4 on /dev/vda (no journal)`: the journal matters, ext4 without one reuses inodes slowly. */
async function describeTempFilesystem(): Promise<string> {
  const found = await runProcess('findmnt', ['-n', '-o', 'SOURCE,FSTYPE', '-T', tmpdir()]).catch(() => null);
  const [source, type] = found?.stdout.trim().split(/\s+/) ?? [];
  if (source === undefined || type === undefined) return 'unknown';
  if (type !== 'ext4') return `${type} on ${source}`;
  const journal = await readFile(`/sys/fs/ext4/${basename(source)}/journal_task`, 'utf8').catch(() => null);
  const note = journal === null ? '' : journal.trim() === '<none>' ? ' (no journal)' : ' (journaled)';
  return `${type} on ${source}${note}`;
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const plan = chooseLimitPlan(await detectLimitEnvironment(), resolveSandboxLimits());
  return {
    os: field(osRelease, /^PRETTY_NAME="?([^"\n]*)"?$/m) ?? 'unknown',
    cpu: field(cpuinfo, /^model name\s*:\s*(.*)$/m) ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: totalmem() / 1024 ** 3,
    kernel: release(),
    node: process.version,
    systemNode: await firstLine('/usr/bin/node', ['--version']),
    bubblewrap: await firstLine('bwrap', ['--version']),
    git: await firstLine('git', ['--version']),
    tempFilesystem: await describeTempFilesystem(),
    limitMechanism: plan.inForce.mechanism,
    loadAtStart: loadavg()[0] ?? 0,
  };
}
