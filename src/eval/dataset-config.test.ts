import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetConfig, sessionStart } from './dataset-config.ts';
import type { EvalTask } from './task-set.ts';

describe('datasetConfig', () => {
  it('is nothing when the dataset gives neither setup nor a test command', () => {
    expect(datasetConfig({}, 'setup: npm ci\n')).toBeNull();
    expect(datasetConfig({ setup: [] }, null)).toBeNull();
  });

  it("writes the dataset's setup and test command", () => {
    expect(datasetConfig({ setup: ['pip install -e .'], testCommand: 'pytest -rA' }, null)).toBe(
      'setup:\n  - pip install -e .\nchecks:\n  test: pytest -rA\n',
    );
  });

  it("keeps the rest of the repository's own config and replaces what the dataset says", () => {
    const existing = 'setup: npm ci\nnetwork:\n  allow: [example.org]\nchecks:\n  lint: npm run lint\n';
    const config = datasetConfig({ testCommand: 'npm test -- --runInBand' }, existing)!;
    expect(config).toContain('setup: npm ci');
    expect(config).toContain('allow: [ example.org ]');
    expect(config).toMatch(/checks:\n {2}lint: npm run lint\n {2}test: npm test -- --runInBand/);
  });

  it('replaces a config that is not a mapping', () => {
    expect(datasetConfig({ testCommand: 'make test' }, '- just\n- a list\n')).toBe(
      'checks:\n  test: make test\n',
    );
  });
});

describe('sessionStart', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function repository(): Promise<{ path: string; base: string }> {
    const path = await mkdtemp(join(tmpdir(), 'drydock-dataset-config-'));
    dirs.push(path);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        cwd: path,
        encoding: 'utf8',
      }).trim();
    git('init', '-q');
    await mkdir(join(path, 'src'));
    await writeFile(join(path, 'src', 'a.js'), 'export const a = 1;\n');
    git('add', '.');
    git('commit', '-qm', 'base');
    return { path, base: git('rev-parse', 'HEAD') };
  }

  const task = (base: string, fields: Partial<EvalTask>): EvalTask => ({
    instanceId: 'x-1',
    repo: '.',
    baseCommit: base,
    problemStatement: 'p',
    patch: '',
    testPatch: '',
    failToPass: [],
    passToPass: [],
    source: 'swe-bench',
    ...fields,
  });

  it('starts from base_commit when the dataset says nothing', async () => {
    const { path, base } = await repository();
    expect(await sessionStart(path, task(base, {}))).toBe(base);
  });

  it('starts from a commit that adds only the config, the same one on every call', async () => {
    const { path, base } = await repository();
    const start = await sessionStart(path, task(base, { setup: ['npm ci'], testCommand: 'node --test' }));
    expect(start).not.toBe(base);
    expect(await sessionStart(path, task(base, { setup: ['npm ci'], testCommand: 'node --test' }))).toBe(
      start,
    );
    const show = (...args: string[]) => execFileSync('git', args, { cwd: path, encoding: 'utf8' });
    expect(show('rev-parse', `${start}^`).trim()).toBe(base);
    expect(show('diff', '--name-only', base, start).trim()).toBe('.drydock/config.yaml');
    expect(show('show', `${start}:.drydock/config.yaml`)).toBe(
      'setup:\n  - npm ci\nchecks:\n  test: node --test\n',
    );
    // Kept by a ref, so a garbage collection between a kill and a resume does not lose it.
    expect(show('for-each-ref', '--format=%(objectname)', 'refs/drydock-eval/config').trim()).toBe(start);
  });
});
