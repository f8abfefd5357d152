/**
 * Attacks on the boundary of a sandbox handed over from a spare (started before its workspace was
 * known, the workspace mounted into it at create(): docs/sandbox.md "Spare sandboxes"), each run
 * against a plain bubblewrap sandbox too: a spare must hold everything a plain sandbox holds. A
 * spare's launcher takes the host's mounts as a slave, so the attacks that matter are the host's
 * mounts made after it started. This machine's `/` is not a shared mount, as it is under systemd:
 * the tests make shared mounts of their own (drydock's home, a system directory, /mnt) to stand
 * for that.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../src/core/ports/sandbox.ts';
import { type BubblewrapProvider, createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { mountsUnder } from '../src/sandbox/mount-table.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { giveToSandbox } from './support/sandbox-owner.ts';

/** Spares need root (mounts); so do the shared mounts these tests make. */
const asRoot = process.getuid?.() === 0;

const mount = (...args: string[]): void => {
  execFileSync('mount', args, { stdio: 'pipe' });
};

/** Unmounted lazily, then removed: never a recursive delete while something is still mounted there. */
async function unmountAndRemove(dir: string): Promise<void> {
  for (let i = 0; i < 8 && (await mountsUnder(dir)).length > 0; i++)
    execFileSync('umount', ['-R', '-l', dir]);
  if ((await mountsUnder(dir)).length === 0) await rm(dir, { recursive: true, force: true });
}

/** A directory bound on itself as a shared mount: what every host mount is under systemd. */
async function sharedDir(parent: string, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(parent, prefix));
  // Anyone may look in, as in a system directory: what keeps the sandbox out is the mount table.
  await chmod(dir, 0o755);
  mount('--bind', dir, dir);
  mount('--make-shared', dir);
  return dir;
}

/** A small tmpfs at `dir/name` holding one secret file, as the host mounts a workspace or an overlay. */
async function mountSecret(dir: string, name: string, secret: string): Promise<string> {
  const point = join(dir, name);
  await mkdir(point, { recursive: true });
  mount('-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', point);
  await writeFile(join(point, 'secret.txt'), `${secret}\n`, { mode: 0o644 });
  return point;
}

/**
 * How a sandbox is started in each variant: `begin` starts one (a plain sandbox; for a spare, the spare
 * that the session's create() will take), `finish` makes it the session's.
 */
interface Variant {
  name: 'plain' | 'spare';
  provider: BubblewrapProvider;
  begin(spec: SandboxSpec): Promise<() => Promise<SupervisedSandbox>>;
}

function variants(made: string[]): Variant[] {
  const plain = createBubblewrapProvider({ killGraceMs: 300 });
  const spare = createBubblewrapProvider({ killGraceMs: 300, spares: 1 });
  return [
    {
      name: 'plain',
      provider: plain,
      async begin(spec) {
        const sandbox = await plain.create(spec);
        return async () => sandbox;
      },
    },
    {
      name: 'spare',
      provider: spare,
      async begin(spec) {
        // A first sandbox of this shape starts as usual and fills the spare; the next one takes it.
        const primer = await mkdtemp(join(tmpdir(), 'drydock-spares-attack-primer-'));
        made.push(primer);
        await (await spare.create({ ...spec, sessionId: 'primer', workspacePath: primer })).destroy();
        await spare.sparesSettled();
        return async () => {
          const sandbox = await spare.create(spec);
          // Not a sandbox started as usual after a failed hand-off: the attacks must reach a spare.
          expect(sandbox.id).toMatch(/^spare-/);
          return sandbox;
        };
      },
    },
  ];
}

const made: string[] = [];
const all = asRoot ? variants(made) : [];

async function workspace(name: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), `drydock-spares-attack-${name}-`)));
  made.push(dir);
  await mkdir(join(dir, '.git', 'hooks'), { recursive: true });
  await writeFile(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await writeFile(join(dir, 'hello.txt'), `${name}\n`);
  await giveToSandbox(dir);
  return dir;
}

afterAll(async () => {
  for (const variant of all) await variant.provider.drainSpares();
  for (const dir of made) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!asRoot).each(all.map((variant) => [variant.name, variant] as const))(
  'attacks on a %s sandbox',
  (_name, variant) => {
    const shared: string[] = [];
    let home: string;
    let system: string;
    let mnt: string;
    let own: string;
    let sandbox: SupervisedSandbox;
    const late: string[] = [];

    beforeAll(async () => {
      // drydock's home (another session's overlay goes there), a system directory the sandbox sees
      // (read-only), /mnt: shared, as under systemd.
      home = await sharedDir(tmpdir(), 'drydock-spares-attack-home-');
      system = await sharedDir('/usr/local', 'drydock-spares-attack-');
      mnt = await sharedDir('/mnt', 'drydock-spares-attack-');
      shared.push(home, system, mnt);
      own = await workspace('own');
      const finish = await variant.begin({
        sessionId: 'attacked',
        workspacePath: own,
        readOnlyPaths: ['.git'],
        env: { ATTACK_SHAPE: 'a' },
      });
      // The host mounts after the sandbox started: before and after the hand-off.
      late.push(await mountSecret(home, 'before-overlay', 'SECRET-HOME-BEFORE'));
      late.push(await mountSecret(system, 'before', 'SECRET-SYSTEM-BEFORE'));
      late.push(await mountSecret(mnt, 'before', 'SECRET-MNT-BEFORE'));
      sandbox = await finish();
      late.push(await mountSecret(home, 'after-overlay', 'SECRET-HOME-AFTER'));
      late.push(await mountSecret(system, 'after', 'SECRET-SYSTEM-AFTER'));
      late.push(await mountSecret(mnt, 'after', 'SECRET-MNT-AFTER'));
    });
    afterAll(async () => {
      await sandbox?.destroy();
      for (const dir of shared) await unmountAndRemove(dir);
    });

    it('sees no mount the host made after it started: not under drydock’s home, a system directory or /mnt', async () => {
      const mountinfo = (await sandbox.exec('cat /proc/self/mountinfo')).output;
      for (const point of late) {
        expect(mountinfo, point).not.toContain(point);
        const read = await sandbox.exec(['cat', join(point, 'secret.txt')]);
        expect(read.exitCode, point).not.toBe(0);
        expect(read.output, point).not.toContain('SECRET');
      }
      // The control: the system directory itself is there (bound with /usr), only not what came later.
      expect((await sandbox.exec(['test', '-d', system])).exitCode).toBe(0);
      expect((await sandbox.exec(['test', '-e', join(system, 'before')])).exitCode).toBe(0);
      expect((await sandbox.exec('cat hello.txt')).output).toBe('own\n');
    });

    it('keeps .git read-only and the workspace nosuid and nodev, whatever it tries', async () => {
      const headBefore = await readFile(join(own, '.git', 'HEAD'), 'utf8');
      for (const attempt of [
        'echo x >> .git/HEAD',
        'touch .git/hooks/post-checkout',
        'mount -o remount,rw /workspace/.git',
        'umount /workspace/.git && touch .git/x',
        'umount -l /workspace/.git && touch .git/x',
        'mv .git .git-old',
        'chmod -R u+w .git && touch .git/x',
      ]) {
        expect((await sandbox.exec(attempt)).exitCode, attempt).not.toBe(0);
      }
      expect(await readFile(join(own, '.git', 'HEAD'), 'utf8')).toBe(headBefore);
      const mounts = (await sandbox.exec('cat /proc/self/mountinfo')).output.split('\n');
      const top = mounts.filter((line) => line.split(' ')[4] === '/workspace').at(-1) ?? '';
      const git = mounts.filter((line) => line.split(' ')[4] === '/workspace/.git').at(-1) ?? '';
      expect(top.split(' ')[5]).toMatch(/^rw,nosuid,nodev/);
      expect(git.split(' ')[5]).toMatch(/^ro,nosuid,nodev/);
      // A set-uid copy of a shell gains nothing (nosuid), and a device node cannot even be made.
      const suid = await sandbox.exec('cp /bin/sh ./sh && chmod u+s ./sh && ./sh -c "id -u"; rm -f ./sh');
      expect(suid.output).toBe('1000\n');
      expect((await sandbox.exec('mknod ./null c 1 3')).exitCode).not.toBe(0);
    });

    it('cannot unmount or remount /workspace to reach what is under it or the host path', async () => {
      for (const attempt of [
        'umount /workspace',
        'umount -l /workspace',
        'umount -R -l /workspace',
        'mount -o remount,rw,suid /workspace',
        'mount --bind / /workspace',
        'mount --make-shared /workspace',
        'unshare -rm true',
      ]) {
        expect((await sandbox.exec(attempt)).exitCode, attempt).not.toBe(0);
      }
      // Still the session's workspace, from the sandbox and from the host.
      expect((await sandbox.exec('cat /workspace/hello.txt')).output).toBe('own\n');
      expect((await sandbox.exec('echo kept > kept.txt')).exitCode).toBe(0);
      expect(await readFile(join(own, 'kept.txt'), 'utf8')).toBe('kept\n');
      // The host paths behind /workspace (the workspace; a spare's directory, mount point and staging)
      // are not there.
      const roots = (await sandbox.exec('grep " /workspace " /proc/self/mountinfo')).output
        .split('\n')
        .map((line) => line.split(' ')[3] ?? '')
        .filter((root) => root !== '');
      const spareDir = roots
        .map((root) => /^(.*\/drydock-spare-[^/]+)\/workspace$/.exec(root)?.[1])
        .find(Boolean);
      expect(spareDir !== undefined).toBe(variant.name === 'spare');
      const hidden = [
        own,
        ...roots,
        ...(spareDir === undefined ? [] : [spareDir, join(spareDir, 'staging')]),
      ];
      for (const hostPath of hidden) {
        expect((await sandbox.exec(['test', '-e', hostPath])).exitCode, hostPath).toBe(1);
      }
    });

    it("holds no host secret: drydock's home, /root, drydock's environment, its paths in pid 1", async () => {
      const listed = await sandbox.exec(
        'env; tr "\\0" "\\n" < /proc/1/environ; tr "\\0" " " < /proc/1/cmdline',
      );
      expect(listed.output).not.toContain('DRYDOCK');
      expect(listed.output).not.toContain('drydock-spare-');
      expect(listed.output).not.toContain(own);
      expect(listed.output).not.toContain(process.cwd());
      for (const hostPath of ['/root', home, process.env.HOME ?? '/root', process.cwd()]) {
        expect((await sandbox.exec(['test', '-e', hostPath])).exitCode, hostPath).toBe(1);
      }
      expect((await sandbox.exec('cat /etc/shadow')).output).not.toContain('root:');
      expect((await sandbox.exec(['test', '-e', '/sys/fs/cgroup'])).exitCode).toBe(1);
    });
  },
);

describe.skipIf(!asRoot)("two sessions' spare sandboxes", () => {
  // Two spares waiting at once: each started while the other's mount point already existed.
  const provider = createBubblewrapProvider({ killGraceMs: 300, spares: 2 });
  afterAll(() => provider.drainSpares());

  it("cannot see each other's workspace, before or after either hand-off", async () => {
    const primer = await workspace('primer');
    await (await provider.create({ sessionId: 'primer', workspacePath: primer })).destroy();
    await provider.sparesSettled();
    const first = await workspace('first');
    const second = await workspace('second');
    const a = await provider.create({ sessionId: 'first', workspacePath: first, readOnlyPaths: ['.git'] });
    const b = await provider.create({ sessionId: 'second', workspacePath: second, readOnlyPaths: ['.git'] });
    try {
      expect([a.id, b.id]).toEqual([expect.stringMatching(/^spare-/), expect.stringMatching(/^spare-/)]);
      await a.exec('echo from-first > mine.txt');
      await b.exec('echo from-second > mine.txt');
      for (const [sandbox, self, other, otherName] of [
        [a, first, second, 'second'],
        [b, second, first, 'first'],
      ] as const) {
        expect((await sandbox.exec('cat hello.txt mine.txt')).output).toBe(
          `${self === first ? 'first' : 'second'}\nfrom-${self === first ? 'first' : 'second'}\n`,
        );
        const mountinfo = (await sandbox.exec('cat /proc/self/mountinfo')).output;
        expect(mountinfo).not.toContain(other);
        // The spare's empty mount point, and on it this session's workspace only.
        const atWorkspace = mountinfo.split('\n').filter((line) => line.split(' ')[4] === '/workspace');
        expect(atWorkspace.at(-1)).toContain(` ${self} /workspace `);
        expect((await sandbox.exec(['test', '-e', other])).exitCode).toBe(1);
        // Nothing of the other's under any path it can list.
        const found = await sandbox.exec(
          `grep -rls "from-${otherName}" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=usr 2>/dev/null | head -3`,
        );
        expect(found.output).toBe('');
      }
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });
});
