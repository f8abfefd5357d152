import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { mountsUnder } from '../src/sandbox/mount-table.ts';
import { readOwner } from '../src/sandbox/process-owner.ts';
import { sweepSpareMounts } from '../src/sandbox/spare-mounts.ts';

/** Spare sandboxes get their workspace by a mount, which takes root. */
const asRoot = process.getuid?.() === 0;

const made: string[] = [];
async function workspace(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `drydock-spares-${name}-`));
  made.push(dir);
  await mkdir(join(dir, '.git'));
  await writeFile(join(dir, 'hello.txt'), `${name}\n`);
  return dir;
}

/** The host directory a spare-served sandbox's /workspace was bound from (its spare's mount point's). */
async function spareDirOf(sandbox: { exec(command: string): Promise<{ output: string }> }): Promise<string> {
  const { output } = await sandbox.exec('grep " /workspace " /proc/self/mountinfo');
  const root = output.split('\n')[0]?.split(' ')[3] ?? '';
  expect(root).toMatch(/\/drydock-spare-[^/]+\/workspace$/);
  return dirname(root);
}

/** Whether anything of that directory is left: the directory itself, or a host mount in it. */
async function leftoversOf(dir: string): Promise<{ exists: boolean; mounts: string[] }> {
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  const mounts = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .filter((line) => line.split(' ')[4]?.startsWith(`${dir}/`) || line.split(' ')[4] === dir);
  return { exists, mounts };
}

describe.skipIf(!asRoot)('spare sandboxes (bubblewrap, as root)', () => {
  const provider = createBubblewrapProvider({ killGraceMs: 300, spares: 1 });

  afterAll(async () => {
    await provider.drainSpares();
    for (const dir of made) await rm(dir, { recursive: true, force: true });
  });

  it('hands over a started spare with the workspace mounted: its files, its writes, read-only paths read-only', async () => {
    const first = await provider.create({ sessionId: 'one', workspacePath: await workspace('one') });
    expect(first.id).toMatch(/^one-/);
    await provider.sparesSettled();
    const two = await workspace('two');
    const second = await provider.create({ sessionId: 'two', workspacePath: two, readOnlyPaths: ['.git'] });
    try {
      expect(second.id).toMatch(/^spare-/);
      const result = await second.exec(
        'cat hello.txt; echo written > out.txt; touch .git/x 2>&1; grep " /workspace" /proc/self/mountinfo',
      );
      expect(result.output).toContain('two\n');
      expect(result.output).toContain('Read-only file system');
      expect(await readFile(join(two, 'out.txt'), 'utf8')).toBe('written\n');
      expect(await readdir(join(two, '.git'))).toEqual([]);
      // As bubblewrap binds a workspace: nosuid and nodev, read-only where asked.
      const mounts = result.output.split('\n').filter((line) => / \/workspace(\/\.git)? /.test(line));
      const top = mounts.filter((line) => / \/workspace /.test(line)).at(-1) ?? '';
      const git = mounts.find((line) => / \/workspace\/\.git /.test(line)) ?? '';
      expect(top).toMatch(/ rw,nosuid,nodev/);
      expect(git).toMatch(/ ro,nosuid,nodev/);
      expect(Buffer.from(await second.readFile('hello.txt')).toString()).toBe('two\n');
    } finally {
      await first.destroy();
      await second.destroy();
    }
  });

  it('starts its own sandbox for a spec of another shape (limits, environment) and for one with network', async () => {
    await provider.sparesSettled();
    const other = await provider.create({
      sessionId: 'env',
      workspacePath: await workspace('env'),
      env: { SHAPE: 'other' },
    });
    const networked = await provider.create({
      sessionId: 'net',
      workspacePath: await workspace('net'),
      network: { allow: [{ host: 'example.org' }] },
    });
    try {
      expect(other.id).toMatch(/^env-/);
      expect((await other.exec('echo $SHAPE')).output).toBe('other\n');
      expect(networked.id).toMatch(/^net-/);
    } finally {
      await other.destroy();
      await networked.destroy();
    }
  });

  it('leaves no mount and no directory of a spare behind once its sandbox is destroyed, and none is handed over once drained', async () => {
    await provider.sparesSettled();
    const sandbox = await provider.create({ sessionId: 'last', workspacePath: await workspace('last') });
    expect(sandbox.id).toMatch(/^spare-/);
    const dir = await spareDirOf(sandbox);
    expect((await leftoversOf(dir)).mounts.length).toBeGreaterThan(0);
    await sandbox.destroy();
    expect(await leftoversOf(dir)).toEqual({ exists: false, mounts: [] });
    await provider.drainSpares();
    // Drained: every sandbox starts as usual.
    const after = await provider.create({ sessionId: 'after', workspacePath: await workspace('after') });
    expect(after.id).toMatch(/^after-/);
    await after.destroy();
  });
});

/** The spare directories in the temporary directory whose owner stamp names `pid`. */
async function spareDirsOf(pid: number): Promise<string[]> {
  const dirs: string[] = [];
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith('drydock-spare-')) continue;
    if ((await readOwner(join(tmpdir(), name)))?.pid === pid) dirs.push(join(tmpdir(), name));
  }
  return dirs.sort();
}

/**
 * A drydock that hands a spare to a session and is then killed (SIGKILL: nothing of its own cleans
 * up). Its sandboxes die with it (bubblewrap's --die-with-parent); its spares' mounts stay.
 */
const CRASHING_DRYDOCK = `
const { createBubblewrapProvider } = await import(process.argv[1]);
const provider = createBubblewrapProvider({ spares: 1 });
await (await provider.create({ sessionId: 'primer', workspacePath: process.argv[2] })).destroy();
await provider.sparesSettled();
const sandbox = await provider.create({ sessionId: 'crashed', workspacePath: process.argv[3], readOnlyPaths: ['.git'] });
process.stdout.write(sandbox.id + ' ' + (await sandbox.exec('cat hello.txt')).output);
process.kill(process.pid, 'SIGKILL');
`;

describe.skipIf(!asRoot)('spare sandboxes left by a crashed drydock', () => {
  it('are unmounted and removed by the startup sweep, the workspace they held untouched; a live owner’s are left alone', async () => {
    const primer = await workspace('crash-primer');
    const crashed = await workspace('crashed');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        CRASHING_DRYDOCK,
        new URL('../src/sandbox/bubblewrap-provider.ts', import.meta.url).href,
        primer,
        crashed,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let said = '';
    child.stdout.on('data', (data) => {
      said += String(data);
    });
    const signal = await new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    expect(signal).toBe('SIGKILL');
    expect(said).toMatch(/^spare-\S+ crashed\n$/);
    // What it left: the handed-over spare (the workspace on its point, the staging tree) and its refill.
    const left = await spareDirsOf(child.pid ?? -1);
    expect(left.length).toBeGreaterThan(0);
    const mountedBefore = (await Promise.all(left.map((dir) => mountsUnder(dir)))).flat();
    expect(mountedBefore.some((point) => point.endsWith('/staging/.git'))).toBe(true);

    // Ours, alive: left alone, as another running drydock's spares are.
    const live = createBubblewrapProvider({ killGraceMs: 300, spares: 1 });
    await (await live.create({ sessionId: 'live-primer', workspacePath: primer })).destroy();
    await live.sparesSettled();
    const liveDirs = await spareDirsOf(process.pid);
    expect(liveDirs.length).toBeGreaterThan(0);
    try {
      const only = (dir: string): boolean => left.includes(dir) || liveDirs.includes(dir);
      expect((await sweepSpareMounts({ only, dryRun: true })).map(({ dir }) => dir)).toEqual(left);
      expect(await sweepSpareMounts({ only })).toEqual(left.map((dir) => ({ dir })));
      for (const dir of left) {
        expect(await mountsUnder(dir)).toEqual([]);
        await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
      }
      for (const dir of liveDirs) expect((await mountsUnder(dir)).length).toBeGreaterThan(0);
      // The workspace is the session's: released, never deleted.
      expect(await readFile(join(crashed, 'hello.txt'), 'utf8')).toBe('crashed\n');
      expect(await readdir(join(crashed, '.git'))).toEqual([]);
    } finally {
      await live.drainSpares();
    }
  });
});
