/**
 * Red team on drydock's git on the agent's tree (docs/sandbox.md "drydock's git on the agent's tree"):
 * nested repositories in odd places and under odd names, `.git` links and relative gitdir files, a
 * repository that appears between the listing and the add. Each plants a repository whose config runs
 * a payload at every hook point; nothing may run (neither on the host nor in the confinement), no
 * gitlink may be staged, and the gate must see the repository. Run confined and unconfined (layer 1
 * alone, as with --sandbox none).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitWorkspace, workspaceChange } from '../src/forge/local-delivery.ts';
import { type WorkspaceGit, workspaceGit } from '../src/forge/workspace-git.ts';
import { confinements, git, plantEvilRepository } from './support/evil-repository.ts';

describe.each(confinements)('red team: nested repositories, %s', (_, confinement) => {
  let parent: string;
  let workspace: string;
  let base: string;
  let ws: WorkspaceGit;
  const host = () => join(parent, 'PWNED-host');
  const tree = () => join(workspace, '.pwned-tree');
  const command = () => `sh -c 'echo x >> ${host()}; echo x >> ${tree()}; cat'`;

  beforeEach(async () => {
    parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-rt-git-')));
    const userRepo = join(parent, 'user-repo');
    await mkdir(join(userRepo, 'src'), { recursive: true });
    git(userRepo, 'init', '-q', '--initial-branch=main');
    await writeFile(join(userRepo, 'src', 'app.txt'), 'v1\n');
    await writeFile(join(userRepo, '.gitignore'), 'build/*\n!build/keep/\n');
    git(userRepo, 'add', '.');
    git(userRepo, 'commit', '-qm', 'base');
    base = git(userRepo, 'rev-parse', 'HEAD');
    workspace = join(parent, 'workspace');
    git(parent, 'clone', '--quiet', userRepo, workspace);
    ws = workspaceGit(workspace, confinement);
  });
  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  async function expectRefusedAndNothingRan(): Promise<void> {
    const change = await workspaceChange(ws, base);
    expect(change.diff).not.toContain('Subproject commit');
    expect(change.nestedRepositories.length, 'the gate sees the nested repository').toBeGreaterThan(0);
    await expect(
      commitWorkspace(ws, { baseCommit: base, message: 'x', coAuthor: null }),
    ).rejects.toMatchObject({ code: 'nested_repository' });
    expect(existsSync(host()), 'payload ran on the host').toBe(false);
    expect(existsSync(tree()), 'payload ran in the confinement').toBe(false);
  }

  it.each([
    [':(glob)evil'],
    [':!evil'],
    ['!evil'],
    ['*'],
    ['ev[i]l'],
    ['-evil'],
    ['ev il '],
    ['ev\\il'],
    ['ev\nil'],
    ['ev)il'],
    ['ü-evil'],
  ])('a nested repository named %j', async (name) => {
    plantEvilRepository(join(workspace, name), command());
    await expectRefusedAndNothingRan();
  });

  it('a nested repository deep in otherwise empty directories', async () => {
    plantEvilRepository(join(workspace, 'a', 'b', 'c', 'evil'), command());
    await expectRefusedAndNothingRan();
  });

  it('a nested repository in an ignored directory that a negation re-includes', async () => {
    plantEvilRepository(join(workspace, 'build', 'keep'), command());
    await expectRefusedAndNothingRan();
  });

  it('a nested repository whose .git is a symlink to a git dir elsewhere in the workspace', async () => {
    plantEvilRepository(join(workspace, 'linked'), command(), join(workspace, 'hidden', 'gd'));
    await rm(join(workspace, 'linked', '.git'));
    await symlink('../hidden/gd', join(workspace, 'linked', '.git'));
    await expectRefusedAndNothingRan();
  });

  it('a nested repository whose .git file names a relative gitdir', async () => {
    plantEvilRepository(join(workspace, 'rel'), command(), join(workspace, 'hidden2', 'gd'));
    await writeFile(join(workspace, 'rel', '.git'), 'gitdir: ../hidden2/gd\n');
    await expectRefusedAndNothingRan();
  });

  it('a repository initialised in a directory the base already tracks (src/)', async () => {
    plantEvilRepository(join(workspace, 'src'), command());
    await writeFile(join(workspace, 'src', 'app.txt'), 'v2\n');
    const change = await workspaceChange(ws, base);
    expect(change.diff).not.toContain('Subproject commit');
    const committed = await commitWorkspace(ws, { baseCommit: base, message: 'x', coAuthor: null }).catch(
      (error: unknown) => error,
    );
    expect(existsSync(host()), 'payload ran on the host').toBe(false);
    expect(existsSync(tree()), 'payload ran in the confinement').toBe(false);
    if (!(committed instanceof Error)) {
      // Delivered as plain files: never its .git.
      expect(git(workspace, 'ls-tree', '-r', 'HEAD')).not.toMatch(/\.git\/|^160000/m);
    }
  });

  it('a repository that appears between the listing and the add (a background process of the agent)', async () => {
    // The agent leaves a loop that moves a planted repository's .git in and out of place.
    plantEvilRepository(join(workspace, 'racy'), command());
    await rm(join(workspace, '.gitignore'), { force: true });
    const loop = spawn(
      'sh',
      ['-c', 'while :; do mv racy/.git racy/.g 2>/dev/null; mv racy/.g racy/.git 2>/dev/null; done'],
      // Its own process group, so the kill below also stops an `mv` in flight, which would otherwise
      // race the directory's removal after the test.
      { cwd: workspace, stdio: 'ignore', detached: true },
    );
    const exited = new Promise((resolve) => loop.once('exit', resolve));
    const outcomes: string[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        const committed = await commitWorkspace(ws, { baseCommit: base, message: 'x', coAuthor: null }).then(
          (result) => `committed ${result?.commit ?? 'nothing'}`,
          (error: { code?: string; message?: string }) => error.code ?? error.message ?? 'error',
        );
        outcomes.push(committed);
        if (committed.startsWith('committed')) break;
      }
    } finally {
      process.kill(-loop.pid!, 'SIGKILL');
      await exited;
    }
    expect(existsSync(host()), 'payload ran on the host').toBe(false);
    expect(existsSync(tree()), 'payload ran in the confinement').toBe(false);
    // Never a gitlink, nor a path through a `.git` (git refuses those). Caught renamed (`.g`), the git
    // dir is an ordinary directory, and may be committed as the plain files it then is: data, which
    // no git reads as a repository.
    const listing = git(workspace, 'ls-tree', '-r', 'HEAD');
    expect(listing).not.toMatch(/^160000/m);
    expect(listing).not.toMatch(/racy\/\.git\//);
  }, 60_000);
});
