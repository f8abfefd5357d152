/**
 * A root drydock's sandboxes run as an unprivileged host user (src/sandbox/sandbox-user.ts), so what
 * the agent creates is not root's on the host and an escape is not root. Attacks the report ("a file
 * the agent creates is owned by root on the host") on a clone and on a layered workspace, checks the
 * agent can still change every file, and that what drydock's own git writes is handed back without
 * following the agent's symlinks. Root only: elsewhere the sandbox is drydock's own user.
 */
import { execFileSync } from 'node:child_process';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostUser } from '../src/core/ports/sandbox.ts';
import { createBaseLayer } from '../src/environments/base-layer.ts';
import { digestTree } from '../src/environments/layer-digest.ts';
import { createLayerStore, type LayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes, type LayeredSandbox } from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { prepareWorkspace } from '../src/environments/local-workspace.ts';
import { handOverWrites } from '../src/environments/tree-owner.ts';
import { workspaceChange } from '../src/forge/local-delivery.ts';
import { workspaceGit } from '../src/forge/workspace-git.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import {
  DISK_IMAGE_SUFFIX,
  diskQuotaSupport,
  mountDiskVolume,
  unmountDiskVolume,
} from '../src/sandbox/disk-quota.ts';
import { sandboxUser } from '../src/sandbox/sandbox-user.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { loopsBackedUnder, removeTestDir } from './support/remove-dir.ts';

const home = await mkdtemp(join(tmpdir(), 'drydock-host-user-layers-'));
const store: LayerStore = await createLayerStore(home);
const { mode, reason } = await detectWorkspaceMode(store);

const quotas = await diskQuotaSupport();
const chosen = sandboxUser();
const user: HostUser = chosen.user;
const provider = createBubblewrapProvider({ killGraceMs: 300 });

const git = (cwd: string, ...args: string[]): string =>
  execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'core.hooksPath=/dev/null', ...args],
    { cwd, encoding: 'utf8' },
  ).trim();

/** A user's repository: a few directories, an executable, a symlink. */
async function makeRepo(dir: string): Promise<string> {
  await mkdir(join(dir, 'src', 'deep'), { recursive: true });
  await writeFile(join(dir, 'README.md'), '# r\n');
  await writeFile(join(dir, 'src', 'main.ts'), 'export const a = 1;\n');
  await writeFile(join(dir, 'src', 'deep', 'util.ts'), 'export const b = 2;\n');
  await writeFile(join(dir, 'run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  execFileSync('ln', ['-s', 'src/main.ts', join(dir, 'main-link')]);
  git(dir, 'init', '--quiet', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'init');
  return git(dir, 'rev-parse', 'HEAD');
}

/** `uid gid` of a host path, not following a symlink. */
async function ownerOf(path: string): Promise<string> {
  const stats = await lstat(path);
  return `${stats.uid} ${stats.gid}`;
}
const SANDBOX = `${user.uid} ${user.gid}`;

/** The sandbox process and all its descendants, as host pids. */
async function processTree(pid: number): Promise<number[]> {
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const below = await Promise.all(
    children
      .trim()
      .split(' ')
      .filter((child) => child !== '')
      .map((child) => processTree(Number(child))),
  );
  return [pid, ...below.flat()];
}

/** The agent's side of the report: everything it makes, by command and by the file API. */
async function createAsAgent(sandbox: SupervisedSandbox | LayeredSandbox): Promise<void> {
  const made = await sandbox.exec(
    'echo new > created.txt && mkdir -p made/inner && echo x > made/inner/f.txt',
  );
  expect(made.exitCode, made.output).toBe(0);
  await sandbox.writeFile('written/by-api.txt', 'api');
}
const CREATED = ['created.txt', 'made', 'made/inner', 'made/inner/f.txt', 'written', 'written/by-api.txt'];

/** The agent changes, renames and deletes files of every directory of the repository. */
const EDIT_EVERYTHING = [
  'for f in $(git ls-files); do [ -L "$f" ] || echo "// agent" >> "$f" || exit 1; done',
  'chmod 644 run.sh',
  'mv src/deep/util.ts src/deep/renamed.ts',
  'rm README.md',
  'rm main-link && ln -s src/deep/renamed.ts main-link',
  'git status --short | grep -q renamed.ts',
].join(' && ');

describe.skipIf(!chosen.separate)(`a root drydock's sandbox runs as host uid ${user.uid}`, () => {
  let parent: string;
  let repo: string;
  let commit: string;

  beforeAll(async () => {
    parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-host-user-')));
    // drydock's data directory stays private (0700): the sandbox user reaches its workspace through a bind.
    await mkdir(join(parent, 'home', 'sessions', 's1'), { recursive: true });
    await chmod(join(parent, 'home'), 0o700);
    repo = join(parent, 'repo');
    await mkdir(repo);
    commit = await makeRepo(repo);
  });
  afterAll(() => removeTestDir(parent));

  it('reports which user in the provider', () => {
    expect(provider.capabilities.hostUser).toEqual(user);
    expect(user.uid).not.toBe(0);
    expect(user.gid).not.toBe(0);
  });

  describe('on a clone', () => {
    let workspace: string;
    let sandbox: SupervisedSandbox;
    beforeAll(async () => {
      workspace = join(parent, 'home', 'sessions', 's1', 'workspace');
      await prepareWorkspace(repo, commit, workspace);
      sandbox = await provider.create({
        sessionId: 'host-user',
        workspacePath: workspace,
        readOnlyPaths: ['.git'],
      });
    });
    afterAll(() => sandbox?.destroy());

    it('runs every process of the sandbox as that user on the host, none as root', async () => {
      await sandbox.exec('sleep 4246.5 > /dev/null 2>&1 &');
      const readTree = async () => {
        const pids = await processTree(sandbox.hostPid!);
        const statuses = await Promise.all(
          pids.map((pid) => readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')),
        );
        return statuses.filter((status) => status !== '');
      };
      // The shell's child is named sleep once it has exec'd, which may come just after the exec returns.
      let running: string[] = [];
      await expect
        .poll(
          async () => {
            running = await readTree();
            return running.some((status) => /^Name:\s*sleep$/m.test(status));
          },
          { timeout: 10_000 },
        )
        .toBe(true);
      // bubblewrap, its child, the supervisor, and the command at least.
      expect(running.length).toBeGreaterThanOrEqual(4);
      for (const status of running) {
        const name = /^Name:\s*(.*)$/m.exec(status)?.[1];
        expect(/^Uid:\s*(.*)$/m.exec(status)?.[1]?.split(/\s+/), name).toEqual(
          Array(4).fill(String(user.uid)),
        );
        expect(/^Gid:\s*(.*)$/m.exec(status)?.[1]?.split(/\s+/), name).toEqual(
          Array(4).fill(String(user.gid)),
        );
        expect(/^Groups:\s*(.*)$/m.exec(status)?.[1]?.trim(), name).not.toMatch(/\b0\b/);
      }
    });

    it("gives what the agent creates to that user on the host, not root's", async () => {
      await createAsAgent(sandbox);
      for (const path of CREATED) expect(await ownerOf(join(workspace, path)), path).toBe(SANDBOX);
    });

    it("lets the agent change, rename and delete every file of the repository; .git stays drydock's and read-only", async () => {
      const edited = await sandbox.exec(EDIT_EVERYTHING);
      expect(edited.exitCode, edited.output).toBe(0);
      expect(await readFile(join(workspace, 'src', 'main.ts'), 'utf8')).toBe(
        'export const a = 1;\n// agent\n',
      );
      expect(await ownerOf(workspace)).toBe(SANDBOX);
      expect(await ownerOf(join(workspace, '.git'))).toBe('0 0');
      expect(await ownerOf(join(workspace, '.git', 'HEAD'))).toBe('0 0');
      expect((await sandbox.exec('echo x >> .git/HEAD')).exitCode).not.toBe(0);
    });

    it("runs on a Node binary the sandbox user could not reach itself (drydock's under root's 0700 home)", async () => {
      const home = join(parent, 'root-home');
      await mkdir(join(home, '.nvm', 'bin'), { recursive: true });
      await chmod(home, 0o700);
      const node = join(home, '.nvm', 'bin', 'node');
      // The same binary as drydock's (a hard link: no 100 MB copy), in a directory only root can search.
      await link(await realpath(process.execPath), node).catch(() => copyFile(process.execPath, node));
      const own = createBubblewrapProvider({ killGraceMs: 300, nodePath: node });
      const other = await own.create({
        sessionId: 'host-user-node',
        workspacePath: workspace,
        readOnlyPaths: ['.git'],
      });
      try {
        expect((await other.exec(['/opt/drydock/node/bin/node', '-p', 'process.getuid()'])).output).toBe(
          '1000\n',
        );
      } finally {
        await other.destroy();
      }
    });

    it.skipIf(!quotas.ok)(
      "pins no other session's mounts: its disk image unmounted on the host, the loop device goes while this sandbox runs",
      async () => {
        const image = join(parent, `other${DISK_IMAGE_SUFFIX}`);
        const mountPoint = join(parent, 'home', 'sessions', 'other', 'workspace');
        await mountDiskVolume({ image, mountPoint, bytes: 32 * 1024 * 1024 });
        expect(await loopsBackedUnder(image)).toHaveLength(1);
        const running = await provider.create({ sessionId: 'host-user-pin', workspacePath: workspace });
        try {
          expect((await running.exec(['true'])).exitCode).toBe(0);
          await unmountDiskVolume(mountPoint);
          let loops = await loopsBackedUnder(image);
          for (let tries = 0; loops.length > 0 && tries < 50; tries++) {
            await new Promise((resolve) => setTimeout(resolve, 20));
            loops = await loopsBackedUnder(image);
          }
          expect(loops).toEqual([]);
        } finally {
          await running.destroy();
        }
      },
    );

    it("hands back what drydock's own git writes, without following the agent's links out of the workspace", async () => {
      // A file of the host's, root's, that the agent points links at.
      const hostFile = join(parent, 'host-file');
      await writeFile(hostFile, 'host\n');
      const linked = await sandbox.exec(
        `ln -s ${hostFile} src/to-host && ln -s ${parent} src/to-parent && ` +
          // Private to the agent: drydock's git must still read it, and write over what is in a 0700 directory.
          'mkdir -m 700 private && echo secret > private/notes.txt && chmod 600 private/notes.txt src/main.ts',
      );
      expect(linked.exitCode, linked.output).toBe(0);
      const workspaceGitRun = workspaceGit(workspace, provider.confinement);
      const change = await workspaceChange(workspaceGitRun, commit);
      expect(change.diff).toContain('private/notes.txt');
      expect(change.diff).toContain('+// agent');
      // The reset after the baseline: drydock's git rewrites the tree as drydock's user.
      await workspaceGitRun.run(['checkout', '--quiet', '--force', commit, '--', '.']);
      await workspaceGitRun.run(['clean', '-ffdq']);
      expect(await ownerOf(join(workspace, 'src', 'main.ts'))).toBe('0 0');
      await handOverWrites(workspace);
      for (const path of [
        'README.md',
        'src/main.ts',
        'src/deep',
        'src/deep/util.ts',
        'run.sh',
        'main-link',
      ]) {
        expect(await ownerOf(join(workspace, path)), path).toBe(SANDBOX);
      }
      expect(await readdir(join(workspace, 'src'))).toEqual(['deep', 'main.ts']);
      expect(await ownerOf(join(workspace, '.git', 'index'))).toBe('0 0');
      expect(await ownerOf(hostFile)).toBe('0 0');
      expect(await ownerOf(parent)).toBe('0 0');
      // The agent goes on changing what drydock's git wrote.
      const again = await sandbox.exec(EDIT_EVERYTHING);
      expect(again.exitCode, again.output).toBe(0);
    });
  });

  describe('on a layered workspace', () => {
    const sandboxes = createLayeredSandboxes({
      provider,
      store,
      workspacesDir: join(home, 'overlays'),
      mode,
    });
    const started: LayeredSandbox[] = [];
    const start = async (layers: string[]): Promise<LayeredSandbox> => {
      const sandbox = await sandboxes.start(
        { layers },
        { sessionId: 'host-user-layers', readOnlyPaths: ['.git'] },
      );
      started.push(sandbox);
      return sandbox;
    };
    let base: string;
    beforeAll(async () => {
      base = await createBaseLayer(store, repo, commit);
    });
    afterAll(async () => {
      for (const sandbox of started) await sandbox.destroy().catch(() => {});
      await removeTestDir(home);
    });

    it.skipIf(mode !== 'overlay')(
      `gives the agent's files to that user in the merged view, the writable layer and its snapshot (${reason})`,
      async () => {
        const sandbox = await start([base]);
        await createAsAgent(sandbox);
        const edited = await sandbox.exec(EDIT_EVERYTHING);
        expect(edited.exitCode, edited.output).toBe(0);
        for (const path of CREATED)
          expect(await ownerOf(join(sandbox.hostWorkspacePath, path)), path).toBe(SANDBOX);
        const { layers } = await sandbox.snapshot();
        const captured = store.pathOf(layers.at(-1)!);
        for (const path of [...CREATED, 'src/main.ts', 'src/deep/renamed.ts']) {
          expect(await ownerOf(join(captured, path)), path).toBe(SANDBOX);
        }
        // The base layer: the tree the sandbox user's, .git drydock's.
        expect(await ownerOf(join(store.pathOf(base), 'src', 'main.ts'))).toBe(SANDBOX);
        expect(await ownerOf(join(store.pathOf(base), '.git', 'HEAD'))).toBe('0 0');
      },
    );

    it.skipIf(mode !== 'overlay')(
      "hands a layer an older drydock stored as root's to that user when a stack is opened on it, same id",
      async () => {
        const staging = await store.stagingDir();
        await mkdir(join(staging, 'dir'));
        await writeFile(join(staging, 'dir', 'old.txt'), 'old\n');
        await mkdir(join(staging, '.git'));
        await writeFile(join(staging, '.git', 'HEAD'), 'ref: refs/heads/main\n');
        const old = (await store.adopt(staging)).id;
        // What an older drydock stored: every entry root's.
        execFileSync('chown', ['-R', '0:0', store.pathOf(old)]);
        expect(await ownerOf(join(store.pathOf(old), 'dir', 'old.txt'))).toBe('0 0');
        const sandbox = await start([base, old]);
        const changed = await sandbox.exec('echo more >> dir/old.txt && touch dir/new.txt && rm dir/old.txt');
        expect(changed.exitCode, changed.output).toBe(0);
        for (const path of ['', 'dir', 'dir/old.txt']) {
          expect(await ownerOf(join(store.pathOf(old), path)), path).toBe(SANDBOX);
        }
        expect(await ownerOf(join(store.pathOf(old), '.git', 'HEAD'))).toBe('0 0');
        expect((await digestTree(store.pathOf(old))).id).toBe(old);
      },
    );
  });
});
