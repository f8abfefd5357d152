/**
 * drydock's own git on a tree the agent wrote must run nothing the tree brings. Each attack plants a
 * payload that, if git ran it, leaves a marker on the host (outside the workspace) and one in the
 * workspace (where a confined git could still write). Every attack runs twice: with git confined by the
 * bubblewrap provider, and unconfined (the hardened invocation alone, as with `--sandbox none`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { commitWorkspace, workspaceChange } from '../src/forge/local-delivery.ts';
import { type WorkspaceGit, workspaceGit } from '../src/forge/workspace-git.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { confinements, git, markers, payload, plantEvilRepository } from './support/evil-repository.ts';

const bubblewrap = createBubblewrapProvider();

describe.each(confinements)("drydock's git on an agent's tree, %s", (_, confinement) => {
  let parent: string;
  let userRepo: string;
  let workspace: string;
  let base: string;
  let ws: WorkspaceGit;

  beforeEach(async () => {
    parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-git-attack-')));
    userRepo = join(parent, 'user-repo');
    await mkdir(userRepo);
    git(userRepo, 'init', '-q', '--initial-branch=main');
    await writeFile(join(userRepo, 'app.txt'), 'v1\n');
    // A submodule the repository declares (a gitlink); drydock's clone leaves its directory empty.
    const submoduleCommit = git(userRepo, 'hash-object', '-t', 'commit', '--stdin', '-w', '--literally');
    git(userRepo, 'update-index', '--add', '--cacheinfo', `160000,${submoduleCommit},vendor/lib`);
    await writeFile(join(userRepo, '.gitmodules'), '[submodule "lib"]\n\tpath = vendor/lib\n\turl = ./lib\n');
    git(userRepo, 'add', 'app.txt', '.gitmodules');
    git(userRepo, 'commit', '-qm', 'base');
    base = git(userRepo, 'rev-parse', 'HEAD');
    workspace = join(parent, 'workspace');
    git(parent, 'clone', '--quiet', userRepo, workspace);
    git(workspace, 'checkout', '--quiet', '--detach', base);
    ws = workspaceGit(workspace, confinement);
  });

  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  function expectNothingRan(): void {
    const { host, tree } = markers(parent, workspace);
    expect(existsSync(host), `payload ran on the host: ${host}`).toBe(false);
    expect(existsSync(tree), `payload ran (inside the confinement): ${tree}`).toBe(false);
  }

  it('runs nothing of a nested repository, stages none and refuses to commit one, also on a later turn', async () => {
    plantEvilRepository(join(workspace, 'evil'), payload(parent, workspace, 'nested'));
    await writeFile(join(workspace, 'app.txt'), 'v2\n');

    const change = await workspaceChange(ws, base);
    expect(change.nestedRepositories).toEqual(['evil']);
    expect(change.diff).toContain('+v2');
    expect(change.diff).not.toContain('160000');
    await expect(
      commitWorkspace(ws, { baseCommit: base, message: 'x', coAuthor: null }),
    ).rejects.toMatchObject({
      code: 'nested_repository',
    });
    expect(git(workspace, 'rev-parse', 'HEAD')).toBe(base);
    expectNothingRan();

    // A later turn: the agent made the repository's first commit and changed it again.
    execFileSync('sh', ['-c', 'echo again >> evil/file.txt'], { cwd: workspace });
    expect((await workspaceChange(ws, base)).nestedRepositories).toEqual(['evil']);
    expectNothingRan();
  });

  it("runs nothing of a repository planted at a submodule's path, through diff, commit and a reset", async () => {
    plantEvilRepository(join(workspace, 'vendor', 'lib'), payload(parent, workspace, 'submodule'));
    await writeFile(join(workspace, 'app.txt'), 'v2\n');

    const change = await workspaceChange(ws, base);
    expect(change.nestedRepositories).toEqual(['vendor/lib']);
    await expect(
      commitWorkspace(ws, { baseCommit: base, message: 'x', coAuthor: null }),
    ).rejects.toMatchObject({
      code: 'nested_repository',
    });
    // What verification does to go back to the base commit.
    await ws.run(['checkout', '--quiet', '--force', base, '--', '.']);
    await ws.run(['clean', '-ffdq']);
    expect(existsSync(join(workspace, 'vendor', 'lib', '.git'))).toBe(true);
    expectNothingRan();
  });

  it("never records a gitlink to the user's HEAD through a .git file pointing at their repository", async () => {
    await mkdir(join(workspace, 'linked'));
    await writeFile(join(workspace, 'linked', '.git'), `gitdir: ${join(userRepo, '.git')}\n`);
    await writeFile(join(workspace, 'linked', 'notes.md'), 'notes\n');
    const change = await workspaceChange(ws, base);
    expect(change.diff).not.toContain('Subproject commit');
    const committed = await commitWorkspace(ws, { baseCommit: base, message: 'x', coAuthor: null }).catch(
      (error: unknown) => error,
    );
    if (committed instanceof Error) {
      // Unconfined, git sees the user's repository there: a nested repository, refused.
      expect(committed).toMatchObject({ code: 'nested_repository' });
      expect(change.nestedRepositories).toEqual(['linked']);
    } else {
      // Confined, the user's repository is not there to find: a plain directory, without its .git.
      expect(confinement.isolated).toBe(true);
      const tree = git(workspace, 'ls-tree', '-r', 'HEAD');
      expect(tree).toContain('linked/notes.md');
      expect(tree).not.toContain('linked/.git');
    }
    const gitlinks = git(workspace, 'ls-tree', '-r', 'HEAD')
      .split('\n')
      .filter((line) => line.startsWith('160000'));
    expect(gitlinks).toEqual([expect.stringMatching(/\tvendor\/lib$/)]);
  });

  it("uses none of drydock's own git config or environment: no filter, diff driver or external diff from them", async () => {
    const evil = payload(parent, workspace, 'global');
    const globalConfig = join(parent, 'global.gitconfig');
    await writeFile(
      globalConfig,
      `[filter "evil"]\n\tclean = ${evil}\n[diff "evil"]\n\ttextconv = ${evil}\n[diff]\n\texternal = ${evil}\n[core]\n\tfsmonitor = ${evil}\n`,
    );
    await writeFile(join(workspace, '.gitattributes'), '* filter=evil diff=evil\n');
    await writeFile(join(workspace, 'app.txt'), 'v2\n');
    const saved = { ...process.env };
    Object.assign(process.env, {
      GIT_CONFIG_GLOBAL: globalConfig,
      GIT_EXTERNAL_DIFF: evil,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.fsmonitor',
      GIT_CONFIG_VALUE_0: evil,
    });
    try {
      const change = await workspaceChange(ws, base);
      expect(change.diff).toContain('+v2');
      const committed = await commitWorkspace(ws, { baseCommit: base, message: 'x', coAuthor: null });
      expect(committed?.filesChanged).toBe(2);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
    expectNothingRan();
  });
});

describe('confined git', () => {
  it('sees no host path but the workspace and no environment of drydock, and reaches no network', async () => {
    const parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-confined-')));
    try {
      const workspace = join(parent, 'ws');
      await mkdir(workspace);
      await writeFile(join(parent, 'beside.txt'), 'host file');
      process.env.DRYDOCK_CONFINED_CANARY = 'confined-canary';
      const probe = await bubblewrap.confinement.wrap(
        {
          file: 'sh',
          args: [
            '-c',
            `cat ${join(parent, 'beside.txt')}; cat /proc/1/environ /proc/self/environ; ls /root; echo > /dev/tcp/127.0.0.1/22; touch ${parent}/x; echo ok > ok.txt`,
          ],
          cwd: workspace,
          env: { PATH: '/usr/bin:/bin' },
        },
        { writable: [workspace] },
      );
      const output = (() => {
        try {
          return execFileSync(probe.file, probe.args, {
            cwd: probe.cwd,
            env: probe.env,
            encoding: 'utf8',
            stdio: 'pipe',
          });
        } catch (error) {
          const failed = error as { stdout: string; stderr: string };
          return failed.stdout + failed.stderr;
        }
      })();
      expect(output).not.toContain('host file');
      expect(output).not.toContain('confined-canary');
      expect(existsSync(join(parent, 'x'))).toBe(false);
      expect(existsSync(join(workspace, 'ok.txt'))).toBe(true);
    } finally {
      delete process.env.DRYDOCK_CONFINED_CANARY;
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('a session whose agent plants a nested repository (bubblewrap, scripted model)', () => {
  let dir: string;
  let repo: string;
  let store: Store;

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'drydock-nested-session-')));
    repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    store = await openSqliteStore({
      path: join(dir, 'home', 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('n'),
    });
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('bows out on the gate, whatever the summary says, and nothing of the nested repository runs on the host', async () => {
    const hostMarker = join(dir, 'PWNED-host');
    const command = `sh -c 'echo x >> ${hostMarker}; echo x >> ../.pwned-tree; cat'`;
    // The agent's own git commands run nothing: the repository is configured after its commit.
    const plant = [
      'mkdir evil && cd evil && git init -q',
      "echo '* filter=evil' > .gitattributes && echo data > file.txt",
      'git add . && git -c user.name=a -c user.email=a@b commit -qm x',
      `git config filter.evil.clean "${command}"`,
      `git config core.fsmonitor "${command}"`,
      'echo more >> file.txt',
    ].join(' && ');
    const script: Script = {
      coder: [
        {
          toolCalls: [
            {
              name: 'edit_file',
              input: {
                path: 'src/stats.js',
                oldText: 'for (let i = 1; i < numbers.length; i++)',
                newText: 'for (let i = 0; i < numbers.length; i++)',
              },
            },
          ],
        },
        { toolCalls: [{ name: 'bash', input: { command: plant } }] },
        {
          toolCalls: [
            { name: 'finish', input: { summary: 'Fixed mean(); evil is a vendored copy, intended.' } },
          ],
        },
        { toolCalls: [{ name: 'give_up', input: { reason: 'the nested repository must stay' } }] },
      ],
    };
    const deps = {
      store,
      sandboxes: bubblewrap,
      models: (spec: string) =>
        createModelRouter({ default: spec, env: {}, cwd: dir, scripts: { nested: script } }),
      clock: systemClock,
      ids: createSequentialIds('n'),
      home: join(dir, 'home'),
      budget: DEFAULT_BUDGET,
    };
    const created = await createSession(deps, {
      task: 'Fix mean() in src/stats.js',
      repo,
      model: 'script:nested',
    });
    const session = await runSession(deps, created.id);

    expect(session.state).toBe('bowed_out');
    const verdicts = (await store.listEvents(session.id)).flatMap((event) =>
      event.data.type === 'gate.verdict' ? [event.data] : [],
    );
    expect(verdicts[0]?.passed).toBe(false);
    expect(verdicts[0]?.problems.join('\n')).toMatch(/nested repository in evil/);
    expect(git(repo, 'branch', '--list', 'drydock/*')).toBe('');
    expect(existsSync(hostMarker)).toBe(false);
    expect(existsSync(join(workspacePathOf(deps.home, session.id), '.pwned-tree'))).toBe(false);
  });
});
