/**
 * `drydock checks`, spawned as a user runs it, on real runner fixture projects: what it detects, and
 * the per-test baseline of a fresh clone set up from the registry (mocha: three packages of setup).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');
const FIXTURES = join(import.meta.dirname, 'fixtures', 'runners');

describe('drydock checks', () => {
  let home: string;
  const cli = (args: string[]) => {
    const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: home, DRYDOCK_HOME: join(home, 'data') },
      timeout: 180_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  async function repository(fixture: string, name = fixture): Promise<string> {
    const repo = join(home, name);
    await cp(join(FIXTURES, fixture), repo, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', 'commit', '-q', '-m', 'stats');
    return repo;
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'drydock-cli-checks-'));
  });
  afterAll(async () => {
    await removeTestDir(home);
  });

  it('sets up a fresh clone and prints the baseline test by test, from the runner’s own report', {
    timeout: 180_000,
  }, async () => {
    const repo = await repository('mocha');
    const { code, stdout, stderr } = cli(['checks', repo, '--all']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('setup: package-lock.json → npm ci --no-audit --no-fund');
    expect(stdout).toMatch(
      /test: mocha\n {4}from package\.json scripts\.test \(mocha\), runner mocha; per-test results from its mocha-json report/,
    );
    expect(stdout).toMatch(/test: exit 1 in .*; 3 passed, 1 failed, 1 skipped \(read by drydock as mocha\)/);
    expect(stdout).toContain('✗ test/mean.test.js > mean of several numbers');
    expect(stdout).toContain('✓ test/median.test.js > median of an odd count');
    expect(stdout).toContain('- test/median.test.js > median of strings');
    expect(stdout).toMatch(/lint: exit 0 in .*; 0 diagnostics/);
  });

  it('--no-run shows the steps of a chained script apart, and says why a script is run as written', {
    timeout: 60_000,
  }, async () => {
    const chained = await repository('jest', 'chained');
    await writeFile(
      join(chained, 'package.json'),
      JSON.stringify({ scripts: { test: 'jest --ci && node scripts/lint.js', posttest: 'npm audit' } }),
    );
    execFileSync('git', ['-c', 'user.name=D', '-c', 'user.email=d@x', 'commit', '-qam', 'chain'], {
      cwd: chained,
    });
    const jest = cli(['checks', chained, '--no-run']);
    expect(jest.code).toBe(0);
    expect(jest.stdout).toContain('test: jest --ci\n    from package.json scripts.test (jest), runner jest');
    expect(jest.stdout).toContain(
      'test-step-1: node scripts/lint.js\n    from package.json scripts.test, after the tests; judged by its exit code',
    );
    expect(jest.stdout).toContain('test-step-2: npm run posttest\n');
    expect(jest.stdout).not.toContain('baseline');

    const odd = await repository('node-test', 'odd');
    await writeFile(
      join(odd, 'package.json'),
      JSON.stringify({ engines: { node: '>=99' }, scripts: { test: 'node --test || true' } }),
    );
    execFileSync('git', ['-c', 'user.name=D', '-c', 'user.email=d@x', 'commit', '-qam', 'odd'], { cwd: odd });
    const shown = cli(['checks', odd, '--no-run']);
    expect(shown.stdout).toMatch(
      /node in the sandbox: v\d+\.\d+\.\d+\n {2}note: the sandbox's Node is v[\d.]+; the repository asks for >=99 \(package\.json engines\.node\)/,
    );
    expect(shown.stdout).toContain(
      'test: npm test\n    from package.json scripts.test; per-test results parsed from what it prints\n    note: scripts.test is more than a chain of simple commands: node --test || true',
    );
  });
});
