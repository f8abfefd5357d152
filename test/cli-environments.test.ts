/**
 * `drydock env` and `drydock secret`, spawned as a user runs them (real git, bubblewrap, overlayfs,
 * SQLite; setup commands that need no network): a build streams setup and publishes an image, a second
 * build keeps it, a session reuses it; a failing setup exits 2 with the log tail and publishes nothing;
 * secrets are read from stdin, listed by name only, and sealed in the store.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { unmountStable } from '../src/environments/stable-mount.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');
const home = await mkdtemp(join(tmpdir(), 'drydock-cli-env-'));
const data = join(home, 'data');
const { mode, reason } = await detectWorkspaceMode(await createLayerStore(join(home, 'probe')));

function cli(args: string[], input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home, DRYDOCK_HOME: data, ...env },
    ...(input === undefined ? {} : { input }),
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const git = (cwd: string, ...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' });

async function makeRepo(name: string, config: string): Promise<string> {
  const repo = join(home, name);
  await mkdir(join(repo, '.drydock'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  await writeFile(join(repo, '.drydock', 'config.yaml'), config);
  await writeFile(join(repo, '.gitignore'), 'deps/\n');
  await writeFile(join(repo, 'README.md'), '# app\n');
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.email=dev@example.org', '-c', 'user.name=Dev', 'commit', '-q', '-m', 'init');
  return repo;
}

const mounted: string[] = [];
afterAll(async () => {
  for (const path of mounted) await unmountStable(path).catch(() => {});
  await removeTestDir(home);
});

describe('drydock secret', () => {
  // Eight drydock processes one after another: under a full suite's load each takes seconds to start.
  it('reads the value from stdin, lists names only, and stores it sealed', { timeout: 90_000 }, async () => {
    const repo = await makeRepo('secret-repo', 'setup: "true"\n');
    const set = cli(['secret', 'set', 'NPM_TOKEN', '--repo', repo], 'very-secret-value\n');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/secret NPM_TOKEN set for .*secret-repo/);
    expect(cli(['secret', 'set', 'GLOBAL_ONE'], 'another-value').code).toBe(0);
    const list = cli(['secret', 'list']);
    expect(list.stdout).toMatch(/GLOBAL_ONE {2}\(every repository\)/);
    expect(list.stdout).toMatch(/NPM_TOKEN {2}.*secret-repo/);
    expect(list.stdout).not.toContain('very-secret-value');
    const database = await readFile(join(data, 'drydock.db'));
    expect(database.includes('very-secret-value')).toBe(false);

    const bad = cli(['secret', 'set', 'not-a-name'], 'x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a secret name/);
    const empty = cli(['secret', 'set', 'EMPTY'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/empty: pipe it on stdin/);
    expect(cli(['secret', 'rm', 'GLOBAL_ONE']).code).toBe(0);
    const missing = cli(['secret', 'rm', 'GLOBAL_ONE']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/No secret GLOBAL_ONE/);
  });
});

describe.skipIf(mode !== 'overlay')(`drydock env (${reason})`, () => {
  it('builds an image with streamed setup output, keeps a current one, and a session reuses it', async () => {
    const repo = await makeRepo(
      'env-repo',
      'setup:\n  - mkdir -p deps && echo "module.exports = 42" > deps/answer.js\n  - echo setup-done\n',
    );
    const first = cli(['env', 'build', repo]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/building: no image yet/);
    expect(first.stdout).toMatch(/\[setup 2\/2\] \$ echo setup-done\nsetup-done/);
    const id = /image (\w+) built in/.exec(first.stdout)?.[1];
    expect(id).toBeDefined();

    const second = cli(['env', 'build', repo]);
    expect(second.stdout).toMatch(new RegExp(`image ${id} is current`));
    expect(second.stdout).not.toMatch(/setup-done/);
    expect(cli(['env', 'list']).stdout).toMatch(new RegExp(`^${id} {2}.*env-repo {2}at [0-9a-f]{10}`, 'm'));

    await writeFile(
      join(home, 'look.json'),
      JSON.stringify({
        coder: [
          { toolCalls: [{ name: 'bash', input: { command: 'cat deps/answer.js' } }] },
          { toolCalls: [{ name: 'finish', input: { summary: 'looked' } }] },
        ],
      }),
    );
    const run = cli(
      ['run', 'look at deps', '--repo', repo, '--model', `script:${join(home, 'look.json')}`],
      undefined,
      {
        DRYDOCK_WORKSPACES: 'layers',
      },
    );
    const session = /session (\w+)/.exec(run.stdout + run.stderr)?.[1];
    if (session) mounted.push(join(data, 'sessions', session, 'workspace'));
    expect(run.stdout).toMatch(new RegExp(`environment image ${id}: reused, no setup`));
    expect(run.stdout).toMatch(/cat deps\/answer\.js/);
  });

  it('exits 2 with the tail of the log when setup fails, and publishes no image', async () => {
    const repo = await makeRepo('broken-repo', 'setup: echo "npm ERR! missing thing" >&2 && exit 4\n');
    const build = cli(['env', 'build', repo]);
    expect(build.code).toBe(2);
    expect(build.stderr).toMatch(/Setup failed: .* exited with code 4/);
    expect(build.stderr).toMatch(/npm ERR! missing thing/);
    expect(cli(['env', 'list', '--repo', repo]).stdout).toMatch(/no environment images yet/);
  });

  it('says where the config is wrong', async () => {
    const repo = await makeRepo('invalid-repo', 'setup: ok\nlimits:\n  memory: plenty\n');
    const build = cli(['env', 'build', repo]);
    expect(build.code).toBe(2);
    expect(build.stderr).toMatch(/\.drydock\/config\.yaml line 3: limits\.memory/);
  });

  it('removes an image by id and refuses an unknown one', async () => {
    const list = cli(['env', 'list']).stdout;
    const id = /^(\w+) {2}/m.exec(list)?.[1];
    expect(cli(['env', 'rm', id!]).code).toBe(0);
    expect(cli(['env', 'list']).stdout).not.toContain(id!);
    const again = cli(['env', 'rm', id!]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/No environment image/);
  });
});
