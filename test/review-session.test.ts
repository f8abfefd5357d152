/**
 * A review session in-process (real git, bubblewrap, SQLite; a scripted reviewer): its lifecycle, its
 * events and stored review, and what it leaves in its workspace and the user's repository.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { workspaceDiff } from '../src/forge/local-delivery.ts';
import { workspaceGit } from '../src/forge/workspace-git.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { unconfined } from '../src/sandbox/host-provider.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { readChangeReview } from '../src/sessions/review-run/read-change-review.ts';
import { reviewChange } from '../src/sessions/review-run/review-change.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@x', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

const MEAN = (start: number) => `export function mean(numbers) {
  if (numbers.length === 0) return 0;
  let total = 0;
  for (let i = ${start}; i < numbers.length; i++) total += numbers[i];
  return total / numbers.length;
}
`;

describe('a review session (in-process)', () => {
  let dir: string;
  let repo: string;
  let store: Store;
  let deps: SessionDeps;
  const scripts: Record<string, Script> = {};

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-review-session-'));
    repo = join(dir, 'repo');
    await mkdir(join(repo, 'src'), { recursive: true });
    await mkdir(join(repo, 'test'));
    git(dir, 'init', '-q', '--initial-branch=main', repo);
    await writeFile(
      join(repo, 'package.json'),
      `${JSON.stringify({ name: 's', private: true, type: 'module', scripts: { test: 'node --test' } })}\n`,
    );
    await writeFile(join(repo, 'src', 'stats.js'), MEAN(0));
    await writeFile(
      join(repo, 'test', 'stats.test.js'),
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { mean } from '../src/stats.js';\n\ntest('mean', () => assert.equal(mean([2, 4, 6]), 4));\n",
    );
    git(repo, 'add', '--all');
    git(repo, 'commit', '-qm', 'stats');
    // The change under review breaks mean(): it skips the first number.
    git(repo, 'checkout', '-qb', 'faster-mean');
    await writeFile(join(repo, 'src', 'stats.js'), MEAN(1));
    git(repo, 'commit', '-qam', 'a faster mean');
    git(repo, 'checkout', '-q', 'main');
    store = await openSqliteStore({
      path: join(dir, 'home', 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('r'),
    });
    deps = {
      store,
      sandboxes: createBubblewrapProvider(),
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
      clock: systemClock,
      ids: createSequentialIds('r'),
      home: join(dir, 'home'),
      budget: DEFAULT_BUDGET,
    };
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the change in, runs the checks as evidence, and ends delivered with a verified review and no branch', {
    timeout: 90_000,
  }, async () => {
    scripts.broke = {
      reviewer: [
        {
          toolCalls: [
            {
              name: 'write_file',
              input: { path: 'test/scratch.test.js', content: '// the reviewer was here\n' },
            },
          ],
        },
        {
          toolCalls: [
            {
              name: 'submit_review',
              input: {
                summary: 'The loop skips the first number.',
                findings: [
                  {
                    file: 'src/stats.js',
                    line: 4,
                    severity: 'critical',
                    explanation: 'The loop starts at 1, so mean() leaves out the first number.',
                    proof: { check: 'test' },
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    const refsBefore = git(repo, 'for-each-ref');
    const { session, review } = await reviewChange(deps, {
      repo,
      base: 'main',
      head: 'faster-mean',
      model: 'script:broke',
      description: 'Makes mean() faster.',
    });

    expect(session).toMatchObject({
      kind: 'review',
      state: 'delivered',
      branch: null,
      ref: 'main..faster-mean',
      baseCommit: git(repo, 'rev-parse', 'main'),
      headCommit: git(repo, 'rev-parse', 'faster-mean'),
      summary: 'The loop skips the first number.',
      task: 'Review main..faster-mean\n\nMakes mean() faster.',
    });
    expect(git(repo, 'for-each-ref')).toBe(refsBefore);

    const events = (await store.listEvents(session.id)).map((event) => event.data);
    const states = events.flatMap((data) => (data.type === 'state.changed' ? [data.to] : []));
    expect(states).toEqual([
      'provisioning',
      'setup',
      'working',
      'verifying',
      'reviewing',
      'delivering',
      'delivered',
    ]);
    expect(events).toContainEqual({
      type: 'change.taken_in',
      baseCommit: session.baseCommit,
      headCommit: session.headCommit,
      files: ['src/stats.js'],
    });
    expect(events.find((data) => data.type === 'gate.verdict')).toMatchObject({ passed: false });
    const completed = events.find((data) => data.type === 'review.completed');
    expect(completed).toMatchObject({ approved: false, verified: 1, dropped: 0 });

    // The finding stands verified: the change broke a check that passed on the base commit.
    expect(review?.findings).toEqual([
      expect.objectContaining({
        severity: 'critical',
        evidence: expect.objectContaining({ verified: true, output: expect.stringContaining('mean') }),
      }),
    ]);
    expect(review?.findings[0]?.evidence?.command).toContain('node');
    expect(await readChangeReview(store, session.id)).toEqual(review);

    // The workspace holds the change alone: what the reviewer wrote did not stay.
    const workspace = workspacePathOf(deps.home, session.id);
    expect(existsSync(join(workspace, 'test', 'scratch.test.js'))).toBe(false);
    const diff = await workspaceDiff(workspaceGit(workspace, unconfined), session.baseCommit!);
    expect(diff).toContain('-  for (let i = 0;');
    expect(diff).toContain('+  for (let i = 1;');
    expect(diff).not.toContain('scratch');
  });

  it('bows out with a report when the reviewer does not submit a review', { timeout: 90_000 }, async () => {
    scripts.silent = { reviewer: [{ text: 'I will look later.' }] };
    const { session, review } = await reviewChange(deps, {
      repo,
      base: 'main',
      head: 'faster-mean',
      model: 'script:silent',
    });
    expect(session.state).toBe('bowed_out');
    expect(session.reason).toContain('the reviewer did not submit a review');
    expect(review).toBeNull();
    const names = (await store.listArtifacts(session.id)).map((artifact) => artifact.name);
    expect(names).toContain('report.md');
    expect(names).not.toContain('review.json');
  });
});
