/**
 * A sandbox whose `/` is an image's root file system (SandboxSpec.root): what it sees comes from the
 * image and nothing of the host's system does, drydock's supervisor runs on an image without glibc or
 * Node, commands get the image's environment and shell, and an image without a shell is refused.
 * The escape and isolation suites run on image roots too (sandbox-escape, sandbox-isolation).
 */

import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxRoot } from '../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createHostProvider } from '../src/sandbox/host-provider.ts';
import { createNoSandboxProvider } from '../src/sandbox/no-sandbox-provider.ts';
import {
  busyboxImage,
  busyboxImageUnavailable,
  DEBIAN_NODE_MAJOR,
  DEBIAN_OS_RELEASE_LINE,
  debianImage,
  debianImageUnavailable,
  IMAGE_HOOK_TIMEOUT_MS,
  IMAGE_MARKER,
} from './support/test-images.ts';

const warnings: string[] = [];
const provider = createBubblewrapProvider({ killGraceMs: 300, warn: (message) => warnings.push(message) });
const noBusybox = await busyboxImageUnavailable();
const noDebian = await debianImageUnavailable();

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'drydock-image-root-'));
});
afterAll(() => rm(workspace, { recursive: true, force: true }));

describe.skipIf(noBusybox !== null)(
  `an image without glibc, bash or Node (${noBusybox ?? 'busybox on musl'})`,
  () => {
    let root: SandboxRoot;
    beforeAll(async () => {
      root = await busyboxImage();
    }, IMAGE_HOOK_TIMEOUT_MS);

    it("runs drydock's supervisor there: commands see the image's os-release, /lib and marker", async () => {
      const sandbox = await provider.create({ sessionId: 'busybox', workspacePath: workspace, root });
      try {
        const result = await sandbox.exec(['sh', '-c', 'cat /etc/os-release; ls /lib']);
        expect(result.exitCode).toBe(0);
        expect(result.output).toBe(
          `${await readFile(join(root.path, 'etc/os-release'), 'utf8')}ld-musl-x86_64.so.1\n`,
        );
        expect(result.output).not.toContain(await readFile('/etc/os-release', 'utf8'));
        expect((await sandbox.readFile(IMAGE_MARKER)).toString()).toContain('busybox');
        // A shell command runs with the image's /bin/sh (no bash there), and no Node is on its PATH.
        const shell = await sandbox.exec(
          'echo "$0"; command -v node || echo no-node; command -v bash || echo no-bash',
        );
        expect(shell.output).toBe('/bin/sh\nno-node\nno-bash\n');
        // No glibc: the host's loader is not where a glibc program looks for it.
        expect(
          (await sandbox.exec(['sh', '-c', 'test -e /lib64/ld-linux-x86-64.so.2 || echo none'])).output,
        ).toBe('none\n');
      } finally {
        await sandbox.destroy();
      }
    });

    it('warns once that the image has no git, and still runs', async () => {
      expect(warnings.some((warning) => warning.includes(root.label) && warning.includes('no git'))).toBe(
        true,
      );
    });

    it("gives commands the image's ENV under drydock's base variables and the spec's", async () => {
      const withEnv: SandboxRoot = {
        ...root,
        env: { PATH: '/bin:/sbin', IMAGE_ONLY: 'image', HOME: '/image-home', SPEC_WINS: 'image' },
      };
      const sandbox = await provider.create({
        sessionId: 'busybox-env',
        workspacePath: workspace,
        root: withEnv,
        env: { SPEC_WINS: 'spec' },
      });
      try {
        const result = await sandbox.exec('echo "$PATH|$IMAGE_ONLY|$HOME|$SPEC_WINS"');
        expect(result.output).toBe('/bin:/sbin|image|/tmp|spec\n');
      } finally {
        await sandbox.destroy();
      }
    });

    it("forwards network egress with the supervisor's forwarder there too", async () => {
      const server: Server = createServer((_, response) => response.end('through-the-proxy'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const sandbox = await provider.create({
        sessionId: 'busybox-egress',
        workspacePath: workspace,
        root,
        network: { allow: [{ host: '127.0.0.1', port }] },
      });
      try {
        // Loopback is direct by default (NO_PROXY): the server is the host's, so through the proxy here.
        // (No -T: this busybox's wget crashes with a timeout and a proxy together.)
        const result = await sandbox.exec(`wget -q -O- http://127.0.0.1:${port}/`, {
          timeoutMs: 15_000,
          env: { no_proxy: '', NO_PROXY: '' },
        });
        expect(result.output).toBe('through-the-proxy');
      } finally {
        await sandbox.destroy();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    // Entering the agent sandbox's network namespace takes root: elsewhere services run beside the agent.
    it.skipIf(!provider.capabilities.separateServices)(
      'runs the services compartment on the image too, with processes of its own',
      async () => {
        const sandbox = await provider.create({
          sessionId: 'busybox-services',
          workspacePath: workspace,
          root,
        });
        try {
          await sandbox.exec('sleep 4244.5 > /dev/null 2>&1 &', { compartment: 'services' });
          const services = await sandbox.exec('cat /etc/os-release; ps -o args', { compartment: 'services' });
          expect(services.output).toContain('ID=drydock-busybox');
          expect(services.output).toContain('sleep 4244.5');
          expect((await sandbox.exec('ps -o args')).output).not.toContain('sleep 4244.5');
        } finally {
          await sandbox.destroy();
        }
      },
    );

    it('refuses an image without /bin/sh, saying which image and why', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'drydock-image-no-sh-'));
      try {
        await cp(root.path, dir, { recursive: true, verbatimSymlinks: true });
        await rm(join(dir, 'bin/sh'));
        const noShell: SandboxRoot = { path: dir, label: 'example.org/no-shell@sha256:abc' };
        await expect(
          provider.create({ sessionId: 'no-sh', workspacePath: workspace, root: noShell }),
        ).rejects.toMatchObject({
          code: 'image_shell_missing',
          message:
            'image example.org/no-shell@sha256:abc has no /bin/sh: drydock runs commands with a shell; use an image with one.',
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('refuses a root that is not there', async () => {
      await expect(
        provider.create({
          sessionId: 'gone',
          workspacePath: workspace,
          root: { path: join(workspace, 'missing-root'), label: 'gone' },
        }),
      ).rejects.toMatchObject({ code: 'image_root_not_found' });
    });

    it('is refused by the providers without isolation: images need the bubblewrap sandbox', async () => {
      for (const other of [createHostProvider(), createNoSandboxProvider()]) {
        await expect(
          other.create({ sessionId: 'host', workspacePath: workspace, root }),
        ).rejects.toMatchObject({
          code: 'image_needs_bubblewrap',
          message: expect.stringContaining('images need the bubblewrap sandbox'),
        });
      }
    });
  },
);

describe.skipIf(noDebian !== null)(
  `a Debian image with Node ${DEBIAN_NODE_MAJOR} (${noDebian ?? 'debootstrap'})`,
  () => {
    let root: SandboxRoot;
    beforeAll(async () => {
      root = await debianImage();
    }, IMAGE_HOOK_TIMEOUT_MS);

    it("answers with the image's os-release, Node and marker, not the host's", async () => {
      const sandbox = await provider.create({ sessionId: 'debian', workspacePath: workspace, root });
      try {
        const osRelease = await sandbox.exec(['cat', '/etc/os-release']);
        expect(osRelease.output).toContain(DEBIAN_OS_RELEASE_LINE);
        expect(await readFile('/etc/os-release', 'utf8')).not.toContain(DEBIAN_OS_RELEASE_LINE);
        // The host runs drydock on another major: the image's toolchain is the toolchain.
        expect(process.versions.node.split('.')[0]).not.toBe(String(DEBIAN_NODE_MAJOR));
        const node = await sandbox.exec('node --version');
        expect(node.output).toMatch(new RegExp(`^v${DEBIAN_NODE_MAJOR}\\.`));
        expect((await sandbox.exec(['cat', IMAGE_MARKER])).output).toContain('debian');
        // Shell commands run with the image's bash, and its git works on the workspace.
        expect((await sandbox.exec('echo "$BASH_VERSION"')).output).toMatch(/^5\./);
        expect((await sandbox.exec('git --version')).output).toMatch(/^git version 2\.39/);
        expect((await sandbox.exec('echo "$NODE_ENV"')).output).toBe('test-image\n');
      } finally {
        await sandbox.destroy();
      }
    });

    it("sees none of the host's system: a host-only program, drydock's home, the host's own Node", async () => {
      const home = await mkdtemp(join(tmpdir(), 'drydock-image-home-'));
      await mkdir(join(home, 'layers'));
      const sandbox = await provider.create({ sessionId: 'debian-host', workspacePath: workspace, root });
      try {
        for (const hostPath of ['/usr/bin/bwrap', home, process.execPath, '/work']) {
          expect((await sandbox.exec(['test', '-e', hostPath])).exitCode, hostPath).toBe(1);
        }
      } finally {
        await sandbox.destroy();
        await rm(home, { recursive: true, force: true });
      }
    });
  },
);
