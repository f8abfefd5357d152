/**
 * What the bubblewrap sandbox must keep out: the host's files, processes, network and environment.
 * Each test tries the escape and checks it fails, next to a control showing the probe itself works.
 * The suite runs on the host's read-only system and on image roots: a static busybox on musl (any
 * user can make it) and, where debootstrap could make it, Debian with its own Node.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxRoot, SandboxSpec } from '../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { readImageLayout } from '../src/sandbox/image-layout.ts';
import { resolveNodeRuntime } from '../src/sandbox/node-runtime.ts';
import { sandboxUser } from '../src/sandbox/sandbox-user.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { COMMAND_NICENESS } from '../src/sandbox/supervisor.ts';
import { giveToSandbox } from './support/sandbox-owner.ts';
import {
  busyboxImage,
  busyboxImageUnavailable,
  debianImage,
  debianImageUnavailable,
  IMAGE_HOOK_TIMEOUT_MS,
} from './support/test-images.ts';

const provider = createBubblewrapProvider({ killGraceMs: 300, warn: () => {} });
/** Stands for drydock's own secrets (model keys, admin token, secret key) in its environment. */
const HOST_CANARY = `host-canary-${process.pid}-${Date.now()}`;
process.env.DRYDOCK_ISOLATION_CANARY = HOST_CANARY;

/** Host pids whose command line contains the marker. */
async function hostProcessesWith(marker: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** Where a sandbox's `/` comes from, and how to probe the network with what that system has. */
interface Variant {
  name: string;
  root: (() => Promise<SandboxRoot>) | null;
  /** A command that fetches `url` and prints the body (curl on the host, wget in busybox, node on Debian). */
  fetch(url: string): string;
  fetchProgram: string;
}
const variants: Variant[] = [
  {
    name: "the host's system",
    root: null,
    fetchProgram: 'curl',
    fetch: (url) => `curl -sS --max-time 2 ${url}`,
  },
];
const noBusybox = await busyboxImageUnavailable();
if (noBusybox === null) {
  variants.push({
    name: 'a busybox image on musl',
    root: busyboxImage,
    fetchProgram: 'wget',
    // No -T: this busybox wget crashes with it (exit 139), which would pass for a refused connection.
    fetch: (url) => `wget -q -O- ${url}`,
  });
} else console.warn(`sandbox-isolation: no busybox image here (${noBusybox}); its variant skips`);
const noDebian = await debianImageUnavailable();
if (noDebian === null) {
  variants.push({
    name: 'a Debian image',
    root: debianImage,
    fetchProgram: 'node',
    fetch: (url) => `node -e 'fetch(process.argv[1]).then(async (r) => console.log(await r.text()))' ${url}`,
  });
} else console.warn(`sandbox-isolation: no Debian image here (${noDebian}); its variant skips`);

describe.each(variants.map((variant) => [variant.name, variant] as const))(
  'bubblewrap sandbox isolation on %s',
  (_name, variant) => {
    let parent: string;
    let root: SandboxRoot | undefined;
    const create = (spec: SandboxSpec): Promise<SupervisedSandbox> =>
      provider.create(root === undefined ? spec : { ...spec, root });
    let dataDir: string;
    let workspace: string;
    let otherWorkspace: string;
    let sandbox: SupervisedSandbox;

    beforeAll(async () => {
      parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-isolation-')));
      dataDir = join(parent, '.drydock');
      workspace = join(parent, 'a');
      otherWorkspace = join(parent, 'b');
      await mkdir(dataDir);
      await writeFile(join(dataDir, 'drydock.db'), 'data-dir-secret');
      await mkdir(join(workspace, '.git'), { recursive: true });
      await writeFile(join(workspace, '.git', 'HEAD'), 'ref: refs/heads/main\n');
      await writeFile(join(workspace, 'README.md'), '# a\n');
      await mkdir(otherWorkspace);
      await writeFile(join(otherWorkspace, 'secret.txt'), 'other-workspace-secret');
      await symlink(join(otherWorkspace, 'secret.txt'), join(workspace, 'escape'));
      await symlink('/etc/shadow', join(workspace, 'shadow'));
      await giveToSandbox(workspace);
      root = variant.root === null ? undefined : await variant.root();
      sandbox = await create({
        sessionId: 'isolation',
        workspacePath: workspace,
        readOnlyPaths: ['.git'],
        env: { SPEC_VAR: 'spec' },
      });
    }, IMAGE_HOOK_TIMEOUT_MS);
    afterAll(async () => {
      await sandbox?.destroy();
      await rm(parent, { recursive: true, force: true });
    });

    it('cannot write outside the workspace and its private /tmp', async () => {
      const marker = `drydock-probe-${process.pid}`;
      for (const target of ['/usr', '/etc', '', '/root', '/opt/drydock', otherWorkspace, parent]) {
        const result = await sandbox.exec(['touch', `${target}/${marker}`]);
        expect(result.exitCode, `touch ${target}/${marker}`).not.toBe(0);
      }
      expect((await sandbox.exec('echo x >> /opt/drydock/supervisor.mjs')).exitCode).not.toBe(0);
      await expect(sandbox.writeFile(`/etc/${marker}`, 'x')).rejects.toMatchObject({ kind: 'bad_input' });
      for (const hostPath of [
        `/usr/${marker}`,
        `/etc/${marker}`,
        `/${marker}`,
        join(otherWorkspace, marker),
      ]) {
        expect(existsSync(hostPath), hostPath).toBe(false);
      }
      // The controls: the workspace and /tmp are writable, and /tmp is the sandbox's own.
      expect((await sandbox.exec(['touch', `/workspace/${marker}`])).exitCode).toBe(0);
      expect(existsSync(join(workspace, marker))).toBe(true);
      expect((await sandbox.exec(['touch', `/tmp/${marker}`])).exitCode).toBe(0);
      expect(existsSync(join('/tmp', marker))).toBe(false);
    });

    it('cannot read /etc/shadow or other root-only files, while /etc stays usable', async () => {
      for (const secret of ['/etc/shadow', '/etc/gshadow']) {
        if (!existsSync(secret)) continue;
        const result = await sandbox.exec(['cat', secret]);
        expect(result.exitCode, secret).not.toBe(0);
        expect(result.output).not.toContain('root:');
        await expect(sandbox.readFile(secret)).rejects.toBeDefined();
      }
      expect((await sandbox.exec('ls -A /etc/ssl/private 2>/dev/null | wc -l')).output.trim()).toBe('0');
      expect((await sandbox.exec('cat shadow')).output).not.toContain('root:');
      const passwd = await sandbox.exec(['cat', '/etc/passwd']);
      expect(passwd).toMatchObject({ exitCode: 0 });
      expect(passwd.output).toContain('root:');
    });

    it('sees only its own processes', async () => {
      const pids = (await sandbox.exec("ls /proc | grep -E '^[0-9]+$'")).output
        .trim()
        .split('\n')
        .map(Number);
      expect(pids).not.toContain(process.pid);
      expect(pids.length).toBeLessThan(10);
      expect(Math.max(...pids)).toBeLessThan(1000);
      // Every process's command line (`ps` is not in every image).
      const commands = (
        await sandbox.exec('for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < "$f"; echo; done')
      ).output;
      expect(commands).toContain('/opt/drydock/supervisor.mjs');
      expect(commands).not.toContain('vitest');
    });

    it("cannot reach a server listening on the host's loopback, or any network", async () => {
      const server: Server = createServer((_, response) => response.end('host-only'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('host-only');
        // The probe is there to run: a failure below is the network's, not a missing program's.
        expect((await sandbox.exec(['sh', '-c', `command -v ${variant.fetchProgram}`])).exitCode).toBe(0);
        const viaFetch = await sandbox.exec(variant.fetch(`http://127.0.0.1:${port}/`), {
          timeoutMs: 10_000,
        });
        expect(viaFetch.exitCode).not.toBe(0);
        // Refused, not crashed or killed: a probe that dies says nothing about the network.
        expect(viaFetch.signal).toBeNull();
        expect(viaFetch.exitCode).toBeLessThan(128);
        expect(viaFetch.output).not.toContain('host-only');
        if ((await sandbox.exec(['sh', '-c', 'command -v bash'])).exitCode === 0) {
          const viaBash = await sandbox.exec(
            ['bash', '-c', `exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected`],
            { timeoutMs: 5000 },
          );
          expect(viaBash.exitCode).not.toBe(0);
          expect(viaBash.output).not.toContain('connected');
        }
        const outside = await sandbox.exec(variant.fetch('http://1.1.1.1/'), { timeoutMs: 10_000 });
        expect(outside.exitCode).not.toBe(0);
        const interfaces = await sandbox.exec("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
        expect(interfaces.output).toBe('lo\n');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("cannot see the host's data dir, other workspaces or the host's home and project", async () => {
      // An image has its own /root, /home, /var and so on: the host's are not there, whatever the image has.
      const hostOnly = root === undefined ? ['/root', '/home', '/var', '/srv', '/mnt'] : ['/usr/bin/bwrap'];
      for (const hostPath of [parent, dataDir, otherWorkspace, '/work', ...hostOnly]) {
        const result = await sandbox.exec(['test', '-e', hostPath]);
        expect(result.exitCode, hostPath).toBe(1);
      }
      const listing = (await sandbox.exec(['ls', '/'])).output.trim().split('\n');
      const drydockFiles = [
        '/opt/drydock',
        '/opt/drydock/node',
        '/opt/drydock/node/bin',
        '/opt/drydock/node/bin/node',
      ];
      if (root === undefined) {
        const systemEntries = ['/bin', '/lib', '/lib32', '/lib64', '/libx32', '/sbin']
          .filter((path) => existsSync(path))
          .map((path) => path.slice(1));
        expect(listing.sort()).toEqual(
          [...systemEntries, 'dev', 'etc', 'opt', 'proc', 'tmp', 'usr', 'workspace'].sort(),
        );
      } else {
        // The image's top level and the sandbox's own mounts, nothing else; /root is the image's.
        const layout = await readImageLayout(root);
        const imageEntries = [...layout.binds, ...layout.links.map((link) => link.path.slice(1))];
        expect(listing.sort()).toEqual(
          [...new Set([...imageEntries, 'dev', 'opt', 'proc', 'tmp', 'workspace'])].sort(),
        );
        // /root is the image's: its entries where the sandbox user may list it, else refused like the image's.
        const imageRoot = await readdir(join(root.path, 'root')).catch(() => null);
        const sandboxRoot = await sandbox.exec('ls -A /root');
        if (imageRoot === null || sandboxRoot.exitCode !== 0)
          expect(sandboxRoot.output).toContain('Permission denied');
        else
          expect(
            sandboxRoot.output
              .split('\n')
              .filter((name) => name !== '')
              .sort(),
          ).toEqual(imageRoot.sort());
        // drydock's Node with its loader and libraries, which the image may not have.
        const runtime = await resolveNodeRuntime(await realpath(process.execPath));
        drydockFiles.push(
          '/opt/drydock/lib',
          ...[runtime.interpreter, ...runtime.libraries].map((file) => `/opt/drydock/lib/${file.name}`),
        );
      }
      drydockFiles.push('/opt/drydock/supervisor.mjs');
      expect((await sandbox.exec('find /opt/drydock | sort')).output).toBe(
        `${drydockFiles.sort().join('\n')}\n`,
      );
      // A symlink in the workspace resolves inside the sandbox, where the other workspace does not exist.
      await expect(sandbox.readFile('escape')).rejects.toMatchObject({ kind: 'not_found' });
      expect(await sandbox.stat(join(otherWorkspace, 'secret.txt'))).toBeNull();
      expect((await sandbox.exec('cat escape')).output).not.toContain('other-workspace-secret');
    });

    it('runs commands at a lower priority than drydock, from their first instant', async () => {
      const result = await sandbox.exec('sh -c \'cut -d" " -f19 /proc/self/stat\'');
      expect(result.output.trim()).toBe(String(COMMAND_NICENESS));
    });

    it('has only the explicit environment', async () => {
      const result = await sandbox.exec(['env']);
      const names = result.output
        .trim()
        .split('\n')
        .map((line) => line.split('=')[0]);
      // Where the sandbox user is not drydock's, git must be told the workspace (its .git is root's) is safe.
      const git = sandboxUser().separate
        ? ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']
        : [];
      // On an image, the image's ENV too (and its PATH, without drydock's Node).
      const imageNames = Object.keys(root?.env ?? {}).filter((name) => name !== 'PATH');
      expect(names.sort()).toEqual(
        [...git, ...imageNames, 'HOME', 'LANG', 'PATH', 'SPEC_VAR', 'TERM'].sort(),
      );
      if (root === undefined) {
        expect(result.output).toContain(
          'PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:/opt/drydock/node/bin\n',
        );
        // drydock's own Node is last on PATH (a system node wins); it runs for the sandbox user too.
        const ownNode = await sandbox.exec(['/opt/drydock/node/bin/node', '-p', 'process.version']);
        expect(ownNode.output).toBe(`${process.version}\n`);
      } else {
        expect(result.output).toContain(
          `PATH=${root.env?.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}\n`,
        );
        expect(result.output).not.toContain('/opt/drydock');
        // drydock's Node runs there on its own loader, for the sandbox user too.
        const runtime = await resolveNodeRuntime(await realpath(process.execPath));
        const ownNode = await sandbox.exec([
          `/opt/drydock/lib/${runtime.interpreter.name}`,
          '--library-path',
          '/opt/drydock/lib',
          '/opt/drydock/node/bin/node',
          '-p',
          'process.version',
        ]);
        expect(ownNode.output).toBe(`${process.version}\n`);
      }
    });

    it("shows no process in the sandbox drydock's own environment, pid 1 included", async () => {
      // bubblewrap's own pid 1 in the sandbox keeps the environment bubblewrap was started with.
      const everyEnviron = await sandbox.exec(
        'for f in /proc/[0-9]*/environ; do echo "== $f"; tr \'\\0\' \'\\n\' < "$f"; done',
      );
      expect(everyEnviron.output).toContain('== /proc/1/environ');
      expect(everyEnviron.output).toContain('SPEC_VAR=spec');
      expect(everyEnviron.output).not.toContain(HOST_CANARY);
      expect(everyEnviron.output).not.toContain('DRYDOCK_ISOLATION_CANARY');
      expect(everyEnviron.output).not.toContain(`PWD=${process.cwd()}`);
      const pidOne = await sandbox.exec(['cat', '/proc/1/environ']);
      expect(pidOne.exitCode).toBe(0);
      expect(pidOne.output).not.toContain(HOST_CANARY);
    });

    it('keeps the read-only paths read-only while the rest of the workspace is writable', async () => {
      for (const command of ['touch .git/new', 'echo x >> .git/HEAD', 'rm -rf .git', 'mv .git .git-moved']) {
        expect((await sandbox.exec(command)).exitCode, command).not.toBe(0);
      }
      await expect(sandbox.writeFile('.git/config', 'x')).rejects.toMatchObject({
        code: 'permission_denied',
      });
      expect(await readFile(join(workspace, '.git', 'HEAD'), 'utf8')).toBe('ref: refs/heads/main\n');
      expect(existsSync(join(workspace, '.git', 'new'))).toBe(false);
      expect(
        (await sandbox.exec('echo changed >> README.md && mkdir -p src && touch src/new.ts')).exitCode,
      ).toBe(0);
      await sandbox.writeFile('notes.txt', 'ok');
      expect(await readFile(join(workspace, 'README.md'), 'utf8')).toBe('# a\nchanged\n');
      expect(await readFile(join(workspace, 'notes.txt'), 'utf8')).toBe('ok');
    });

    it('runs as a non-root user with no capabilities and no way to get new namespaces', async () => {
      const status = (await sandbox.exec(['cat', '/proc/self/status'])).output;
      expect(status).toMatch(/^CapEff:\s*0{16}$/m);
      expect(status).toMatch(/^CapBnd:\s*0{16}$/m);
      expect((await sandbox.exec(['id', '-u'])).output).toBe('1000\n');
      expect((await sandbox.exec(['hostname'])).output).toBe('drydock\n');
      expect((await sandbox.exec(['unshare', '--user', 'true'])).exitCode).not.toBe(0);
    });

    it('refuses a read-only path that is a symlink out of the workspace', async () => {
      const tricky = join(parent, 'c');
      await mkdir(tricky);
      await symlink(otherWorkspace, join(tricky, '.git'));
      await expect(
        create({ sessionId: 'tricky', workspacePath: tricky, readOnlyPaths: ['.git'] }),
      ).rejects.toMatchObject({ code: 'invalid_read_only_path' });
    });

    it('stops every process on destroy', async () => {
      const own = await create({ sessionId: 'destroy', workspacePath: workspace });
      await own.exec('sleep 4242.25 > /dev/null 2>&1 &');
      expect(await hostProcessesWith('4242.25')).toHaveLength(1);
      await own.destroy();
      expect(await eventually(async () => (await hostProcessesWith('4242.25')).length === 0)).toBe(true);
    });

    it('rejects pending and later calls with sandbox_died when killed from outside, never hanging', async () => {
      const victim = await create({ sessionId: 'victim', workspacePath: workspace });
      await victim.exec('sleep 4242.75 > /dev/null 2>&1 &');
      const pending = victim.exec('sleep 30').then(
        (result) => result,
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(victim.hostPid!, 'SIGKILL');
      expect(await pending).toMatchObject({ code: 'sandbox_died', kind: 'unavailable' });
      await expect(victim.exec('true')).rejects.toMatchObject({ code: 'sandbox_died' });
      await expect(victim.readFile('README.md')).rejects.toMatchObject({ code: 'sandbox_died' });
      expect(await eventually(async () => (await hostProcessesWith('4242.75')).length === 0)).toBe(true);
      await victim.destroy();
    });
  },
);
