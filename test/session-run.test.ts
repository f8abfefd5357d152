import { execFileSync } from 'node:child_process';
import { lstat, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { type BadInputCode, BadInputError } from '../src/core/errors.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { sandboxUser } from '../src/sandbox/sandbox-user.ts';
import { createSession, fieldOf } from '../src/sessions/create-session.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

const run = (cwd: string, file: string, args: string[]) =>
  execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const git = (cwd: string, ...args: string[]) => run(cwd, 'git', args).trim();

/** Runs the sample's tests at a ref, in a throwaway clone; true when they pass. */
function testsPassAt(repo: string, ref: string): boolean {
  const clone = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
  try {
    git(clone, 'clone', '--quiet', repo, '.');
    git(clone, 'checkout', '--quiet', ref);
    run(clone, process.execPath, ['--test']);
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rm', ['-rf', clone]);
  }
}

describe('a session end to end (real git, bubblewrap, SQLite; scripted model)', () => {
  let dir: string;
  let repo: string;
  let store: Store;
  let deps: SessionDeps;
  const scripts: Record<string, Script> = { demo: DEMO_SCRIPT };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-session-'));
    repo = join(dir, 'repo');
    execFileSync('mkdir', [repo]);
    await createSampleRepo(repo);
    store = await openSqliteStore({
      path: join(dir, 'home', 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('s'),
    });
    deps = {
      store,
      sandboxes: createBubblewrapProvider(),
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
      clock: systemClock,
      ids: createSequentialIds('s'),
      home: join(dir, 'home'),
      budget: DEFAULT_BUDGET,
    };
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("delivers the fix as a branch and never touches the user's working tree, index or branch", async () => {
    // The user is mid-work: a modified file, a staged file and an untracked file on their branch.
    git(repo, 'checkout', '--quiet', '-b', 'my-work');
    await writeFile(join(repo, 'README.md'), 'edited by the user\n');
    await writeFile(join(repo, 'staged.txt'), 'staged\n');
    git(repo, 'add', 'staged.txt');
    await writeFile(join(repo, 'untracked.txt'), 'untracked\n');
    const statusBefore = git(repo, 'status', '--porcelain');
    const base = git(repo, 'rev-parse', 'HEAD');

    // Which writes carried the checkpoint: the reply as it streams (model.delta) must never.
    const writes: Array<{ types: string[]; checkpoint: boolean }> = [];
    const record = store.record.bind(store);
    store.record = (id, change) => {
      writes.push({
        types: change.events?.map((event) => event.type) ?? [],
        checkpoint: !!change.checkpoint,
      });
      return record(id, change);
    };
    const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:demo' });
    expect(created.state).toBe('queued');
    const session = await runSession(deps, created.id);

    expect(session.state).toBe('delivered');
    const liveWrites = writes.filter((write) => write.types.includes('model.delta'));
    expect(liveWrites.length).toBeGreaterThan(0);
    expect(
      liveWrites.every((write) => !write.checkpoint && write.types.every((type) => type === 'model.delta')),
    ).toBe(true);
    expect(session.branch).toMatch(/^drydock\/mean-in-src-stats-js-returns-the-s\d+$/);
    expect(git(repo, 'rev-parse', session.branch!)).toBe(session.headCommit);
    expect(git(repo, 'rev-parse', `${session.branch}^`)).toBe(base);
    expect(git(repo, 'status', '--porcelain')).toBe(statusBefore);
    expect(git(repo, 'branch', '--show-current')).toBe('my-work');

    const message = git(repo, 'log', '-1', '--format=%an <%ae>%n%B', session.branch!);
    expect(message).toMatch(/^drydock </);
    expect(message).toContain('Co-authored-by: Demo User <demo.user@example.invalid>');
    expect(git(repo, 'diff', '--name-only', base, session.branch!)).toBe('src/stats.js');

    expect(testsPassAt(repo, session.branch!)).toBe(true);
    expect(testsPassAt(repo, base)).toBe(false);

    const events = await store.listEvents(session.id);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    // The scripted model streams: each reply's deltas add up to its response.
    for (const response of events.filter((event) => event.data.type === 'model.response')) {
      if (response.data.type !== 'model.response' || response.data.text === '') continue;
      const { step, role } = response.data;
      const streamed = events
        .filter((event) => event.seq < response.seq)
        .flatMap((event) =>
          event.data.type === 'model.delta' && event.data.step === step && event.data.role === role
            ? [event.data.text ?? '']
            : [],
        );
      expect(streamed.join('')).toBe(response.data.text);
    }
    const states = events.flatMap((event) => (event.data.type === 'state.changed' ? [event.data.to] : []));
    expect(states).toEqual([
      'provisioning',
      'setup',
      'working',
      'verifying',
      'reviewing',
      'delivering',
      'delivered',
    ]);
    const bashResults = events.filter(
      (event) => event.data.type === 'tool.result' && event.data.tool === 'bash',
    );
    expect(bashResults.map((event) => event.data.type === 'tool.result' && event.data.isError)).toEqual([
      true,
      false,
    ]);
    // The log says which host user the sandbox ran as, and the file the agent fixed is that user's.
    const { user } = sandboxUser();
    expect(events.find((event) => event.data.type === 'workspace.ready')?.data).toMatchObject({
      sandbox: 'bubblewrap',
      hostUid: user.uid,
    });
    const fixed = await lstat(join(workspacePathOf(deps.home, session.id), 'src', 'stats.js'));
    expect(`${fixed.uid}:${fixed.gid}`).toBe(`${user.uid}:${user.gid}`);
  });

  it('bows out with the reason when the agent gives up, and creates no branch', async () => {
    scripts.giveUp = {
      coder: [{ toolCalls: [{ name: 'give_up', input: { reason: 'the task needs a product decision' } }] }],
    };
    const created = await createSession(deps, { task: 'Decide the pricing', repo, model: 'script:giveUp' });
    const session = await runSession(deps, created.id);
    expect(session.state).toBe('bowed_out');
    expect(session.reason).toContain('the task needs a product decision');
    expect(git(repo, 'branch', '--list', 'drydock/*')).toBe('');
  });

  it('bows out when the agent finishes without changing anything', async () => {
    scripts.noChange = {
      coder: [{ toolCalls: [{ name: 'finish', input: { summary: 'all good already' } }] }],
    };
    const created = await createSession(deps, { task: 'Check things', repo, model: 'script:noChange' });
    const session = await runSession(deps, created.id);
    expect(session.state).toBe('bowed_out');
    expect(session.reason).toContain('without changing any file');
  });

  it('reaches only allowlisted hosts, and logs every blocked attempt', async () => {
    const { createServer } = await import('node:http');
    let hits = 0;
    const server = createServer((_request, response) => {
      hits++;
      response.end('hello from the host');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      scripts.net = {
        coder: [
          {
            toolCalls: [
              {
                name: 'bash',
                input: { command: `NO_PROXY= no_proxy= curl -sS --max-time 5 http://127.0.0.1:${port}/` },
              },
              { name: 'bash', input: { command: 'curl -fsS --max-time 5 http://example.org/' } },
              { name: 'give_up', input: { reason: 'only checking the network' } },
            ],
          },
        ],
      };
      const created = await createSession(
        { ...deps, allowHosts: [{ host: '127.0.0.1', port }] },
        { task: 'Check the network', repo, model: 'script:net' },
      );
      const session = await runSession({ ...deps, allowHosts: [{ host: '127.0.0.1', port }] }, created.id);
      expect(session.state).toBe('bowed_out');
      const events = (await store.listEvents(session.id)).map((event) => event.data);
      const results = events.filter((event) => event.type === 'tool.result' && event.tool === 'bash');
      expect(results[0]).toMatchObject({
        isError: false,
        output: expect.stringContaining('hello from the host'),
      });
      expect(results[1]).toMatchObject({ isError: true });
      expect(hits).toBe(1);
      expect(events).toContainEqual({ type: 'network.blocked', host: 'example.org', port: 80 });
    } finally {
      server.close();
    }
  });

  it("reaches the hosts the session itself allows (a rerun's allowHosts), with nothing allowed by the server", async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_request, response) => response.end('hello from the allowed host'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const fetchIt = `NO_PROXY= no_proxy= curl -sS --max-time 5 http://127.0.0.1:${port}/`;
      scripts.rerun = {
        coder: [
          {
            toolCalls: [
              { name: 'bash', input: { command: fetchIt } },
              { name: 'give_up', input: { reason: 'only checking the network' } },
            ],
          },
        ],
      };
      const allowed = await createSession(deps, {
        task: 'Check the network',
        repo,
        model: 'script:rerun',
        allowHosts: [{ host: '127.0.0.1', port }],
      });
      const plain = await createSession(deps, { task: 'Check the network', repo, model: 'script:rerun' });
      const output = async (id: string) => {
        await runSession(deps, id);
        const events = (await store.listEvents(id)).map((event) => event.data);
        return events.find((event) => event.type === 'tool.result' && event.tool === 'bash');
      };
      expect(await output(allowed.id)).toMatchObject({
        isError: false,
        output: expect.stringContaining('hello from the allowed host'),
      });
      expect(await output(plain.id)).not.toMatchObject({ output: expect.stringContaining('hello') });
    } finally {
      server.close();
    }
  });

  it('rejects bad input before creating anything', async () => {
    const notRepo = join(dir, 'plain');
    execFileSync('mkdir', [notRepo]);
    const cases: Array<[Parameters<typeof createSession>[1], BadInputCode]> = [
      [{ task: '   ', repo, model: 'script:demo' }, 'empty_task'],
      [{ task: 'x', repo: notRepo, model: 'script:demo' }, 'not_a_git_repository'],
      [{ task: 'x', repo: join(dir, 'missing'), model: 'script:demo' }, 'repo_not_found'],
      [{ task: 'x', repo, ref: 'no-such-branch', model: 'script:demo' }, 'unknown_ref'],
      [{ task: 'x', repo, model: 'gpt:4' }, 'unknown_model'],
      [{ task: 'x', repo, model: 'anthropic:claude-sonnet-4-5' }, 'missing_api_key'],
      [{ task: 'x', repo, model: `script:${join(dir, 'nope.json')}` }, 'invalid_script'],
    ];
    for (const [request, code] of cases) {
      await expect(createSession(deps, request), code).rejects.toMatchObject({
        code,
        details: { fields: { [fieldOf(code)!]: expect.any(String) } },
      });
      await expect(createSession(deps, request)).rejects.toBeInstanceOf(BadInputError);
    }
    expect(await store.listSessions()).toEqual([]);
    expect(await readdir(join(dir, 'home'))).not.toContain('sessions');
  });
  it('delivers once when a run dies between pushing the branch and recording it: the next run finishes the delivery', async () => {
    const base = git(repo, 'rev-parse', 'HEAD');
    // The store "dies" at the write that records the delivery: the branch is in the repository by then.
    let dead = false;
    const dying = new Proxy(store, {
      get(target, property) {
        if (property === 'record') {
          return async (...args: Parameters<Store['record']>) => {
            if (dead || args[1].events?.some((event) => event.type === 'delivery.committed')) {
              dead = true;
              throw new Error('the process died');
            }
            return target.record(...args);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Store;
    const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:demo' });
    await expect(runSession({ ...deps, store: dying }, created.id)).rejects.toThrow('the process died');
    const stranded = await store.getSession(created.id);
    expect(stranded?.state).toBe('delivering');
    expect(stranded?.branch).toBeNull();
    const branches = git(repo, 'branch', '--list', 'drydock/*').split('\n').filter(Boolean);
    expect(branches).toHaveLength(1);

    const session = await runSession(deps, created.id);
    expect(session.state).toBe('delivered');
    expect(git(repo, 'branch', '--list', 'drydock/*').split('\n').filter(Boolean)).toHaveLength(1);
    expect(git(repo, 'rev-parse', session.branch!)).toBe(session.headCommit);
    expect(git(repo, 'rev-parse', `${session.branch}^`)).toBe(base);
    expect(testsPassAt(repo, session.branch!)).toBe(true);
    const events = await store.listEvents(session.id);
    expect(events.filter((event) => event.data.type === 'delivery.branch')).toHaveLength(1);
    // The gate and the reviewer had passed: the second run only delivers.
    expect(events.filter((event) => event.data.type === 'review.completed')).toHaveLength(1);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  }, 120_000);
});
