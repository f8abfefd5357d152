import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('drydock CLI (spawned as a user would run it)', () => {
  let home: string;
  const cli = (args: string[], env: Record<string, string> = {}): CliResult => {
    const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: home, DRYDOCK_HOME: join(home, 'data'), ...env },
      timeout: 120_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const git = (cwd: string, ...args: string[]) => spawnSync('git', args, { cwd, encoding: 'utf8' });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'drydock-cli-'));
  });
  afterAll(async () => {
    await removeTestDir(home);
  });

  // Each spawn starts drydock anew (about 1 s here, several on a loaded machine): these run many in a row.
  it('demo: delivers a branch whose test passes where the base fails, then sessions/show/logs read it', {
    timeout: 90_000,
  }, () => {
    const demo = cli(['demo']);
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    const id = /session (\w+): delivered/.exec(demo.stdout)?.[1];
    const branch = /branch {2}(drydock\/\S+)/.exec(demo.stdout)?.[1];
    const repo = /failing test: (\S+)/.exec(demo.stdout)?.[1];
    expect(id && branch && repo).toBeTruthy();
    expect(demo.stdout).toMatch(/1 file changed, 1 insertion\(\+\), 1 deletion\(-\)/);
    expect(demo.stdout).toContain('✓ bash npm test');

    const testAt = (ref: string) => {
      git(repo!, 'checkout', '--quiet', ref);
      return spawnSync(process.execPath, ['--test'], { cwd: repo!, encoding: 'utf8' }).status;
    };
    expect(testAt(branch!)).toBe(0);
    expect(testAt(`${branch}^`)).not.toBe(0);

    const list = cli(['sessions', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ id, state: 'delivered', branch })]);
    expect(cli(['sessions']).stdout).toMatch(new RegExp(`${id}\\s+delivered`));

    const show = cli(['show', id!, '--json']);
    const shown = JSON.parse(show.stdout);
    expect(shown).toMatchObject({
      id,
      state: 'delivered',
      branch,
      steps: 5,
      usage: { inputTokens: 0, costUsd: 0 },
    });
    expect(shown.baseCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(shown.headCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(cli(['show', id!]).stdout).toMatch(/summary +mean\(\) skipped the first number/);

    const logs = cli(['logs', id!, '--json']);
    const events = logs.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.seq)).toEqual(events.map((_: unknown, index: number) => index + 1));
    expect(events.at(-1).data).toMatchObject({ type: 'state.changed', to: 'delivered' });
    const readable = cli(['logs', id!, '--follow']);
    expect(readable.code).toBe(0);
    expect(readable.stdout).toContain('→ delivered');
  });

  it('logs --follow in another process streams a running session until it ends', async () => {
    const repo = await mkdtemp(join(home, 'repo-'));
    await createSampleRepo(repo);
    const script = join(home, 'slow.json');
    await writeFile(
      script,
      JSON.stringify({
        coder: [
          { toolCalls: [{ name: 'bash', input: { command: 'sleep 1.5; echo slept' } }] },
          { toolCalls: [{ name: 'give_up', input: { reason: 'only a test' } }] },
        ],
      }),
    );
    const runner = spawn(
      process.execPath,
      [
        '--disable-warning=ExperimentalWarning',
        BIN,
        'run',
        'Wait a little',
        '--repo',
        repo,
        '--model',
        `script:${script}`,
      ],
      { env: { PATH: process.env.PATH ?? '', HOME: home, DRYDOCK_HOME: join(home, 'data') } },
    );
    const id = await new Promise<string>((resolve, reject) => {
      let seen = '';
      runner.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = /drydock session (\w+)/.exec(seen);
        if (match) resolve(match[1]!);
      });
      runner.on('exit', () => reject(new Error(`run exited before printing a session id: ${seen}`)));
    });
    const follower = spawnSync(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', BIN, 'logs', id, '--follow'],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: home, DRYDOCK_HOME: join(home, 'data') },
        timeout: 60_000,
      },
    );
    const exitCode = await new Promise((resolve) => {
      if (runner.exitCode !== null) resolve(runner.exitCode);
      else runner.on('exit', resolve);
    });
    expect(exitCode).toBe(3);
    expect(follower.status).toBe(0);
    expect(follower.stdout).toContain('bash sleep 1.5; echo slept → exit code 0');
    expect(follower.stdout.trim().split('\n').at(-1)).toContain('→ bowed_out');
  });

  it('demo --sandbox none works and warns loudly that nothing is isolated', () => {
    const demo = cli(['demo', '--sandbox', 'none']);
    expect(demo.code).toBe(0);
    expect(demo.stderr).toContain('WARNING: --sandbox none: commands run on this machine without isolation');
    expect(demo.stdout).toContain('(none sandbox)');
  });

  it('exits 3 with the reason when the session bows out', async () => {
    const repo = await mkdtemp(join(home, 'repo-'));
    await createSampleRepo(repo);
    const script = join(home, 'give-up.json');
    await writeFile(
      script,
      JSON.stringify({
        coder: [{ toolCalls: [{ name: 'give_up', input: { reason: 'needs a human decision' } }] }],
      }),
    );
    const result = cli(['run', 'Decide the pricing', '--repo', repo, '--model', `script:${script}`]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('bowed_out');
    expect(result.stdout).toContain('needs a human decision');
  });

  it('rejects bad input with a clear message and exit code 2, leaving nothing behind', {
    timeout: 90_000,
  }, async () => {
    const fresh = await mkdtemp(join(home, 'fresh-'));
    const dataDir = join(fresh, 'data');
    const repo = await mkdtemp(join(home, 'repo-'));
    await createSampleRepo(repo);
    const plain = await mkdtemp(join(home, 'plain-'));
    const badScript = join(home, 'bad-script.json');
    await writeFile(badScript, JSON.stringify({ coder: [{ toolCalls: [{ input: {} }] }] }));
    const cases: Array<[string[], RegExp]> = [
      [['run', '', '--repo', repo, '--model', 'script:demo'], /task is empty/],
      [['run', 'fix it', '--repo', plain, '--model', 'script:demo'], /not a git repository/],
      [['run', 'fix it', '--repo', repo, '--model', 'banana:split'], /anthropic:<model>/],
      [['run', 'fix it', '--repo', repo, '--model', 'anthropic:claude-sonnet-4-5'], /ANTHROPIC_API_KEY/],
      [['run', 'fix it', '--repo', repo, '--model', 'openai:gpt-5'], /OPENAI_API_KEY/],
      [
        ['run', 'fix it', '--repo', repo, '--model', `script:${badScript}`],
        /coder\[0\]\.toolCalls\[0\]\.name/,
      ],
      [
        ['run', 'fix it', '--repo', repo, '--ref', 'nope', '--model', 'script:demo'],
        /"nope" does not name a commit/,
      ],
      [['run', 'fix it'], /--repo/],
      [
        ['run', 'fix it', '--repo', repo, '--model', 'script:demo', '--max-steps', 'lots'],
        /--max-steps must be/,
      ],
      [
        ['run', 'fix it', '--repo', repo, '--model', 'script:demo', '--sandbox', 'docker'],
        /Unknown sandbox "docker"/,
      ],
      [
        ['run', 'fix it', '--repo', repo, '--model', 'script:demo', '--allow-host', 'http://x.org'],
        /--allow-host/,
      ],
      [['show', 'no-such-session'], /No session "no-such-session"/],
      [['frobnicate'], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const result = cli(args, { DRYDOCK_HOME: dataDir, ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    const sessions = cli(['sessions', '--json'], { DRYDOCK_HOME: dataDir });
    expect(JSON.parse(sessions.stdout)).toEqual([]);
    expect(await readdir(dataDir)).not.toContain('sessions');
    expect(git(repo, 'branch', '--list', 'drydock/*').stdout).toBe('');
  });

  it('repo add, list and rm manage the registered repositories of this machine (cwd-relative paths allowed here)', {
    timeout: 90_000,
  }, async () => {
    const data = { DRYDOCK_HOME: join(home, 'repo-data') };
    const repo = await mkdtemp(join(home, 'registered-'));
    await createSampleRepo(repo);
    const added = spawnSync(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', BIN, 'repo', 'add', '.'],
      {
        cwd: repo,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: home, ...data },
      },
    );
    expect(added.stderr).toBe('');
    expect(added.status).toBe(0);
    const id = /registered (\w+): /.exec(added.stdout)?.[1];
    expect(id).toBeTruthy();
    expect(added.stdout).toContain(repo);
    expect(cli(['repo', 'add', 'Acme/App'], data).stdout).toContain('acme/app');

    const listed = cli(['repo', 'list', '--json'], data);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id, kind: 'local', repo, addedBy: 'cli' }),
      expect.objectContaining({ kind: 'forge', repo: 'acme/app' }),
    ]);
    expect(cli(['repo', 'list'], data).stdout).toMatch(new RegExp(`${id}\\s+local\\s+${repo}`));

    for (const [args, message] of [
      [['repo', 'add', '/proc/self/cwd'], /system path/],
      [['repo', 'add', join(home, 'nope')], /No directory/],
      [['repo', 'add', repo], /registered already/],
      [['repo', 'rm', 'nope'], /No registered repository/],
    ] as const) {
      const result = cli([...args], data);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    expect(cli(['repo', 'rm', 'acme/app'], data).code).toBe(0);
    expect(cli(['repo', 'rm', id!], data).stdout).toContain(`removed ${id}`);
    expect(cli(['repo', 'list'], data).stdout).toContain('No registered repositories');
  });
});
