/**
 * `drydock review` spawned as a user (or a CI job, a pre-push hook) runs it: a temporary repository
 * with a feature branch, scripted reviewers, bubblewrap and SQLite.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, payload } from './support/evil-repository.ts';
import { removeTestDir } from './support/remove-dir.ts';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

const STATS = `export function mean(numbers) {
  if (numbers.length === 0) return 0;
  let total = 0;
  for (let i = 0; i < numbers.length; i++) total += numbers[i];
  return total / numbers.length;
}
`;

const MAX = `
export function max(numbers) {
  let best = 0;
  for (const n of numbers) if (n > best) best = n;
  return best;
}
`;

const REPRO = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { max } from '../src/stats.js';

test('max of negative numbers', () => {
  assert.equal(max([-3, -1, -2]), -1);
});
`;

/** A reviewer that proves one major finding with a test it writes, and cannot prove two others. */
const EVIDENCE_SCRIPT = {
  reviewer: [
    { toolCalls: [{ name: 'write_file', input: { path: 'test/max-negative.test.js', content: REPRO } }] },
    { toolCalls: [{ name: 'bash', input: { command: 'node --test test/max-negative.test.js' } }] },
    {
      toolCalls: [
        {
          name: 'submit_review',
          input: {
            summary: 'max() is wrong for lists of negative numbers.',
            findings: [
              {
                file: 'src/stats.js',
                line: 9,
                severity: 'major',
                explanation: 'max starts from 0, so a list of negative numbers gives 0.',
                suggestedFix: 'Start from -Infinity, or from the first number.',
                proof: {
                  command: 'node --test test/max-negative.test.js',
                  expectOutput: 'max of negative numbers',
                },
              },
              {
                file: 'src/stats.js',
                line: 8,
                severity: 'major',
                explanation: 'max of an empty list should throw rather than return 0.',
                suggestedFix: 'Throw a RangeError on an empty list.',
              },
              {
                file: 'src/stats.js',
                line: 10,
                severity: 'critical',
                explanation: 'max mutates its input.',
                proof: { command: 'node -e "process.exit(0)"' },
              },
            ],
          },
        },
      ],
    },
  ],
};

const CLEAN_SCRIPT = {
  reviewer: [{ toolCalls: [{ name: 'submit_review', input: { summary: 'Looks right.', findings: [] } }] }],
};

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('drydock review (spawned as a user would run it)', () => {
  let home: string;
  let repo: string;
  const scripts: Record<string, string> = {};

  const cli = (args: string[]): CliResult => {
    const result = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', BIN, ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: home, DRYDOCK_HOME: join(home, 'data') },
      timeout: 120_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  /** What the user has: their working tree's status, HEAD, every ref with its commit, the index. */
  const userState = (dir: string) => ({
    status: git(dir, 'status', '--porcelain', '--untracked-files=all'),
    head: git(dir, 'rev-parse', 'HEAD'),
    symbolic: git(dir, 'symbolic-ref', 'HEAD'),
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    index: git(dir, 'ls-files', '--stage'),
    stash: git(dir, 'stash', 'list'),
  });

  beforeAll(async () => {
    home = await realpath(await mkdtemp(join(tmpdir(), 'drydock-review-cli-')));
    repo = join(home, 'repo');
    await mkdir(join(repo, 'src'), { recursive: true });
    await mkdir(join(repo, 'test'));
    git(home, 'init', '-q', '--initial-branch=main', repo);
    await writeFile(
      join(repo, 'package.json'),
      `${JSON.stringify({ name: 'stats', private: true, type: 'module', scripts: { test: 'node --test' } })}\n`,
    );
    await writeFile(join(repo, 'src', 'stats.js'), STATS);
    await writeFile(
      join(repo, 'test', 'stats.test.js'),
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { mean } from '../src/stats.js';\n\ntest('mean', () => assert.equal(mean([2, 4, 6]), 4));\n",
    );
    git(repo, 'add', '--all');
    git(repo, 'commit', '-qm', 'stats');
    git(repo, 'checkout', '-qb', 'feature');
    await writeFile(join(repo, 'src', 'stats.js'), STATS + MAX);
    git(repo, 'commit', '-qam', 'max');
    // The user is mid-work on the branch: a modified file, a staged one, an untracked one.
    await writeFile(join(repo, 'test', 'stats.test.js'), '// being edited\n');
    await writeFile(join(repo, 'staged.txt'), 'staged\n');
    git(repo, 'add', 'staged.txt');
    await writeFile(join(repo, 'notes.txt'), 'untracked\n');
    for (const [name, script] of Object.entries({ evidence: EVIDENCE_SCRIPT, clean: CLEAN_SCRIPT })) {
      scripts[name] = join(home, `${name}.json`);
      await writeFile(scripts[name], JSON.stringify(script));
    }
  });

  afterAll(async () => {
    await removeTestDir(home);
  });

  it('prints findings with their evidence, lowers or drops the unproven, exits 3 at --fail-on, and leaves the user tree as it was', {
    timeout: 120_000,
  }, () => {
    const before = userState(repo);
    const review = cli([
      'review',
      '--repo',
      repo,
      '--model',
      `script:${scripts.evidence}`,
      '--fail-on',
      'major',
    ]);
    expect(review.stderr).toContain('drydock review');
    expect(review.stderr).toContain('→ reviewing');
    expect(review.code, review.stderr).toBe(3);
    const out = review.stdout;
    // The proven finding, with the test the reviewer wrote and what drydock saw when it ran it again.
    expect(out).toMatch(/^src\/stats\.js:9 {2}major {2}max starts from 0/m);
    expect(out).toContain('    fix: Start from -Infinity, or from the first number.');
    expect(out).toContain('    evidence, verified: $ node --test test/max-negative.test.js (exit 1)');
    expect(out).toMatch(/^ {6}.*0 !== -1/m);
    // Unproven: one severity down, per the policy; refuted by its own reproduction: dropped.
    expect(out).toMatch(/^src\/stats\.js:8 {2}minor {2}max of an empty list/m);
    expect(out).toContain('    lowered from major: no evidence showed it');
    expect(out).not.toContain('mutates its input');
    const lines = out.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^2 findings \(1 major, 1 minor\), 1 verified, 1 downgraded for want of evidence, 1 dropped · main\.\.feature · session \w+$/,
    );
    // The user's working tree, index, HEAD and branches are as they were; the reviewer's test is nowhere.
    expect(userState(repo)).toEqual(before);
    expect(existsSync(join(repo, 'test', 'max-negative.test.js'))).toBe(false);

    const id = /session (\w+)$/.exec(lines.at(-1)!)?.[1];
    const show = cli(['show', id!]);
    expect(show.stdout).toMatch(/state +delivered/);
    expect(show.stdout).toContain('# Review of main..feature');
    expect(show.stdout).not.toMatch(/^branch/m);
  });

  it('--json gives the review for machines, exit 0 without --fail-on', { timeout: 120_000 }, () => {
    const review = cli([
      'review',
      '--repo',
      repo,
      '--base',
      'main',
      '--head',
      'feature',
      '--model',
      `script:${scripts.evidence}`,
      '--json',
    ]);
    expect(review.code, review.stderr).toBe(0);
    const json = JSON.parse(review.stdout);
    expect(json).toEqual({
      summary: 'max() is wrong for lists of negative numbers.',
      findings: [
        {
          file: 'src/stats.js',
          line: 9,
          severity: 'major',
          explanation: 'max starts from 0, so a list of negative numbers gives 0.',
          suggestedFix: 'Start from -Infinity, or from the first number.',
          evidence: {
            command: 'node --test test/max-negative.test.js',
            output: expect.stringContaining('not ok 1 - max of negative numbers'),
            verified: true,
          },
        },
        {
          file: 'src/stats.js',
          line: 8,
          severity: 'minor',
          explanation: 'max of an empty list should throw rather than return 0.',
          suggestedFix: 'Throw a RangeError on an empty list.',
          evidence: null,
          downgradedFrom: 'major',
        },
      ],
      verified: 1,
      dropped: 1,
      sessionId: expect.stringMatching(/^\w+$/),
    });
    const shown = JSON.parse(cli(['show', json.sessionId, '--json']).stdout);
    expect(shown).toMatchObject({ kind: 'review', state: 'delivered', branch: null, ref: 'main..feature' });
    expect(shown.artifacts.map((artifact: { name: string }) => artifact.name)).toEqual(
      expect.arrayContaining(['review.json', 'review.md']),
    );
  });

  it('exits 0 on a clean review even with --fail-on minor', { timeout: 120_000 }, () => {
    const review = cli([
      'review',
      '--repo',
      repo,
      '--model',
      `script:${scripts.clean}`,
      '--fail-on',
      'minor',
    ]);
    expect(review.code, review.stderr).toBe(0);
    expect(review.stdout).toMatch(
      /^No findings\.\n\nLooks right\.\n\n0 findings, 0 verified · main\.\.feature · session \w+\n$/,
    );
  });

  it('exits 2 on bad input and says what to do: an unknown ref, an empty change, not a repository, a bad --fail-on', {
    timeout: 120_000,
  }, () => {
    const sessionsBefore = JSON.parse(cli(['sessions', '--json']).stdout).length;
    const unknown = cli([
      'review',
      '--repo',
      repo,
      '--head',
      'no-such-branch',
      '--model',
      `script:${scripts.clean}`,
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('"no-such-branch" does not name a commit');
    expect(unknown.stderr).toContain('Pass --head');

    const empty = cli([
      'review',
      '--repo',
      repo,
      '--base',
      'feature',
      '--head',
      'main',
      '--model',
      `script:${scripts.clean}`,
    ]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('feature..main changes nothing');

    const notRepo = cli(['review', '--repo', home, '--model', `script:${scripts.clean}`]);
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toContain('is not a git repository');

    const badFlag = cli(['review', '--repo', repo, '--fail-on', 'nit', '--model', `script:${scripts.clean}`]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--fail-on "nit" is not a severity');
    // None of them made a session.
    expect(JSON.parse(cli(['sessions', '--json']).stdout)).toHaveLength(sessionsBefore);
  });

  it("runs nothing of a hostile branch's git attributes, hooks or the repository's filters on the host", {
    timeout: 120_000,
  }, async () => {
    const parent = join(home, 'attack');
    const evil = join(parent, 'repo');
    await mkdir(join(evil, 'src'), { recursive: true });
    git(parent, 'init', '-q', '--initial-branch=main', evil);
    await writeFile(join(evil, 'src', 'app.js'), 'export const x = 1;\n');
    git(evil, 'add', '--all');
    git(evil, 'commit', '-qm', 'base');
    git(evil, 'checkout', '-qb', 'pr');
    // The branch under review brings attributes that name filters and diff drivers, and hooks.
    await writeFile(join(evil, '.gitattributes'), '* filter=evil diff=evil\n');
    await mkdir(join(evil, '.hooks'));
    const command = payload(parent, evil, 'review');
    for (const hook of [
      'pre-commit',
      'post-checkout',
      'post-merge',
      'reference-transaction',
      'pre-auto-gc',
    ]) {
      await writeFile(join(evil, '.hooks', hook), `#!/bin/sh\n${command}\n`, { mode: 0o755 });
    }
    await writeFile(join(evil, 'src', 'app.js'), 'export const x = 2;\n');
    git(evil, 'add', '--all');
    git(evil, 'commit', '-qm', 'the change');
    // Then configuration that runs them wherever git would (as a repository's own config could).
    for (const [key, value] of [
      ['filter.evil.clean', command],
      ['filter.evil.smudge', command],
      ['filter.evil.process', command],
      ['diff.evil.textconv', command],
      ['diff.external', command],
      ['core.fsmonitor', command],
      ['core.hooksPath', '.hooks'],
    ] as const) {
      git(evil, 'config', key, value);
    }
    const review = cli(['review', '--repo', evil, '--model', `script:${scripts.clean}`]);
    expect(review.code, review.stderr).toBe(0);
    expect(review.stderr).toContain('took in');
    expect(existsSync(join(parent, 'PWNED-host')), 'a payload ran on the host').toBe(false);
    expect(existsSync(join(evil, '.pwned-tree')), 'a payload ran in the repository').toBe(false);
  });
});
