import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataStore } from '../src/cli/cli-context.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { SessionEvent } from '../src/core/events.ts';
import { git } from '../src/forge/git.ts';
import { readCheckpoint } from '../src/sessions/checkpoint-schema.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

const FIX_FUNCTION = `---
description: Fix a function whose test fails
inputs:
  function:
    description: the function to fix
    required: true
  file:
    description: where it lives
    default: src/stats.js
model: script:demo
---
1. Run the tests and read what fails in {{function}}.
2. Fix {{function}} in {{file}}.
3. Run the tests again.
`;

/**
 * `drydock run --playbook` as a user runs it (spawned, embedded, the scripted demo model named by the
 * playbook itself), then the session's log and checkpoint read back from the store it wrote.
 */
describe('drydock run --playbook and drydock playbook (spawned)', () => {
  let home: string;
  let repo: string;
  const cli = (args: string[]) => {
    const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: home, DRYDOCK_HOME: join(home, 'data') },
      timeout: 120_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'drydock-playbooks-'));
    repo = join(home, 'repo');
    await mkdir(join(repo, '.drydock', 'playbooks'), { recursive: true });
    await createSampleRepo(repo);
    await writeFile(join(repo, '.drydock', 'playbooks', 'fix-function.md'), FIX_FUNCTION);
    await writeFile(
      join(repo, '.drydock', 'playbooks', 'broken.md'),
      '---\ndescription: x\nmodle: y\n---\n1. a\n',
    );
    await git(['add', '--all'], { cwd: repo });
    await git(['commit', '--quiet', '-m', 'Playbooks'], { cwd: repo });
  });
  afterAll(async () => {
    await removeTestDir(home);
  });

  // Each spawn starts drydock anew (several seconds on a loaded machine).
  it('lists and shows the repository playbooks, a broken one with its file and line', {
    timeout: 90_000,
  }, () => {
    const list = cli(['playbook', 'list', '--repo', repo]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/fix-function\s+repo\s+Fix a function whose test fails/);
    expect(list.stdout).toContain(
      'broken (repo, broken): .drydock/playbooks/broken.md line 3: unknown key "modle"',
    );
    const show = cli(['playbook', 'show', 'fix-function', '--repo', repo, '--json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({
      name: 'fix-function',
      source: 'repo',
      model: 'script:demo',
      inputs: { function: { required: true }, file: { default: 'src/stats.js' } },
    });
  });

  it('exits 2 with what to do for an unknown playbook, a missing input and an unknown input', {
    timeout: 180_000,
  }, () => {
    const unknown = cli(['run', '--repo', repo, '--playbook', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no playbook "nope" (available: fix-function)');
    const missing = cli(['run', '--repo', repo, '--playbook', 'fix-function']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('fix-function needs "function"');
    expect(missing.stderr).toContain('function (required: the function to fix)');
    const extra = cli([
      'run',
      '--repo',
      repo,
      '--playbook',
      'fix-function',
      '--input',
      'function=mean',
      '--input',
      'x=1',
    ]);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('has no input "x"');
    const broken = cli(['run', '--repo', repo, '--playbook', 'broken']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('broken.md line 3');
    expect(cli(['sessions', '--json']).stdout.trim()).toBe('[]');
  });

  it('runs the rendered playbook with its model, the steps as the plan, and records playbook.applied', {
    timeout: 180_000,
  }, async () => {
    const run = cli(['run', '--repo', repo, '--playbook', 'fix-function', '--input', 'function=mean']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(script:demo)');
    const id = /session (\w+): delivered/.exec(run.stdout)?.[1];
    expect(id).toBeTruthy();

    const { store } = await openDataStore({ DRYDOCK_HOME: join(home, 'data') });
    try {
      const session = await store.getSession(id!);
      expect(session?.model).toBe('script:demo');
      expect(session?.task).toContain('Playbook fix-function: Fix a function whose test fails');
      expect(session?.task).toContain('2. Fix mean in src/stats.js.');
      expect(session?.task).not.toContain('{{');
      const events: SessionEvent[] = await store.listEvents(id!);
      const steps = [
        'Run the tests and read what fails in mean.',
        'Fix mean in src/stats.js.',
        'Run the tests again.',
      ];
      expect(events.find((event) => event.data.type === 'playbook.applied')?.data).toEqual({
        type: 'playbook.applied',
        name: 'fix-function',
        source: 'repo',
        inputs: { function: 'mean', file: 'src/stats.js' },
        steps,
      });
      const seeded = steps.map((text, index) => ({ id: String(index + 1), text, status: 'pending' }));
      expect(events.find((event) => event.data.type === 'todo.updated')?.data).toEqual({
        type: 'todo.updated',
        step: 0,
        items: seeded,
      });
      // The demo coder never rewrites its plan: the checkpoint still holds the seeded one.
      const checkpoint = await readCheckpoint(store, id!);
      expect(checkpoint?.agent.todos).toEqual(seeded);
    } finally {
      await store.close();
    }
  });
});
