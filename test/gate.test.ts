import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import { systemClock } from '../src/core/ports/clock.ts';
import type { Store } from '../src/core/ports/store.ts';
import type { Session } from '../src/core/session.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

const FIX_LOOP: ScriptTurn = {
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
};
const finish = (summary: string): ScriptTurn => ({ toolCalls: [{ name: 'finish', input: { summary } }] });
const review = (findings: unknown[], summary = 'Reviewed.'): ScriptTurn => ({
  toolCalls: [{ name: 'submit_review', input: { summary, findings } }],
});
const MAJOR = {
  file: 'test/stats.test.js',
  line: 5,
  severity: 'major',
  explanation: 'No test covers a single-element list.',
  suggestedFix: 'Add a test for mean([5]).',
};

/** The verification gate and the reviewer loop, end to end with scripted coder and reviewer. */
describe('verification gate and reviewer loop', () => {
  let dir: string;
  let repo: string;
  let store: Store;
  let deps: SessionDeps;
  let scripts: Record<string, Script>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-gate-'));
    repo = join(dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    scripts = {};
    store = await openSqliteStore({
      path: join(dir, 'home', 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('a'),
    });
    deps = {
      store,
      sandboxes: createBubblewrapProvider(),
      models: (spec) => createModelRouter({ default: spec, env: {}, cwd: dir, scripts }),
      clock: systemClock,
      ids: createSequentialIds('g'),
      home: join(dir, 'home'),
      budget: DEFAULT_BUDGET,
    };
  });

  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(script: Script): Promise<Session> {
    scripts.test = script;
    const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:test' });
    return runSession(deps, created.id);
  }
  const artifact = async (session: Session, name: string) => {
    const found = (await store.listArtifacts(session.id)).find((a) => a.name === name);
    return found ? (await store.getArtifact(found.id))!.content : null;
  };
  const events = async (session: Session) => (await store.listEvents(session.id)).map((event) => event.data);
  const branches = () =>
    execFileSync('git', ['branch', '--list', 'drydock/*'], { cwd: repo, encoding: 'utf8' });

  it('delivers a correct fix, with the evidence in the PR description', async () => {
    const session = await run({
      coder: [FIX_LOOP, finish('Start the loop at 0.')],
      reviewer: [review([], 'Correct and minimal.')],
    });
    expect(session.state).toBe('delivered');
    const log = await events(session);
    const baseline = log.find((e) => e.type === 'checks.completed' && e.phase === 'baseline');
    // node --test with its junit reporter writing to a file: per-test results from structured data.
    expect(baseline).toMatchObject({
      checks: [
        {
          command: expect.stringContaining(
            'node --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit',
          ),
          tests: { passed: 1, failed: 1 },
        },
      ],
    });
    expect(log.find((e) => e.type === 'gate.verdict')).toMatchObject({
      passed: true,
      failToPass: ['mean of several numbers'],
      passToPass: 1,
    });
    const pr = await artifact(session, 'pull-request.md');
    expect(pr).toContain(
      '| `node --test` | failed (exit 1): 1 passed, 1 failed, 0 skipped | passed: 2 passed, 0 failed, 0 skipped |',
    );
    expect(pr).toContain('FAIL_TO_PASS (now passing): `mean of several numbers`');
    expect(pr).toContain('Reviewer: Correct and minimal.');
  });

  it('bows out when the fix breaks another test, naming it in the report', async () => {
    const breakEmpty: ScriptTurn = {
      toolCalls: [
        {
          name: 'edit_file',
          input: { path: 'src/stats.js', oldText: '  if (numbers.length === 0) return 0;\n', newText: '' },
        },
      ],
    };
    const session = await run({
      coder: [
        FIX_LOOP,
        breakEmpty,
        finish('Fixed mean.'),
        { toolCalls: [{ name: 'give_up', input: { reason: 'I broke the empty case and cannot see why.' } }] },
      ],
      reviewer: [review([])],
    });
    expect(session.state).toBe('bowed_out');
    expect(branches()).toBe('');
    const verdict = (await events(session)).find((e) => e.type === 'gate.verdict');
    expect(verdict).toMatchObject({ passed: false });
    expect(JSON.stringify(verdict)).toContain('broke tests that passed before: mean of an empty list is 0');
    const report = await artifact(session, 'report.md');
    expect(report).toContain('mean of an empty list is 0');
    expect(report).toContain('I broke the empty case');
  });

  it('bows out when the agent "fixes" the failing test by deleting it', async () => {
    const deleteTest: ScriptTurn = {
      toolCalls: [
        {
          name: 'write_file',
          input: {
            path: 'test/stats.test.js',
            content:
              "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { mean } from '../src/stats.js';\n\ntest('mean of an empty list is 0', () => {\n  assert.equal(mean([]), 0);\n});\n",
          },
        },
      ],
    };
    const session = await run({ coder: [deleteTest, finish('The tests pass now.')], reviewer: [review([])] });
    expect(session.state).toBe('bowed_out');
    const verdict = (await events(session)).find((e) => e.type === 'gate.verdict');
    expect(verdict?.type === 'gate.verdict' && verdict.problems.join('\n')).toMatch(
      /test deleted in test\/stats\.test\.js/,
    );
    expect(verdict?.type === 'gate.verdict' && verdict.problems.join('\n')).toContain(
      'still failing: mean of several numbers',
    );
    expect(branches()).toBe('');
  });

  it('delivers after two review rounds when the coder fixes the finding', async () => {
    const addTest: ScriptTurn = {
      toolCalls: [
        {
          name: 'edit_file',
          input: {
            path: 'test/stats.test.js',
            oldText: "test('mean of an empty list is 0'",
            newText:
              "test('mean of one number', () => {\n  assert.equal(mean([5]), 5);\n});\n\ntest('mean of an empty list is 0'",
          },
        },
        {
          name: 'respond_to_finding',
          input: { id: 'R1-1', decision: 'fixed', reason: 'Added a single-element test.' },
        },
      ],
    };
    const session = await run({
      coder: [FIX_LOOP, finish('Start the loop at 0.'), addTest, finish('Also tested one number.')],
      reviewer: [review([MAJOR]), review([], 'The new test covers it.')],
    });
    expect(session.state).toBe('delivered');
    const reviews = (await events(session)).filter((e) => e.type === 'review.completed');
    expect(reviews.map((e) => e.type === 'review.completed' && [e.round, e.approved])).toEqual([
      [1, false],
      [2, true],
    ]);
    const pr = await artifact(session, 'pull-request.md');
    expect(pr).toContain('[R1-1] major test/stats.test.js:5: No test covers a single-element list.');
    expect(pr).toContain('fixed: Added a single-element test.');
    const diff = execFileSync('git', ['diff', '--stat', `${session.baseCommit}`, session.branch!], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(diff).toContain('test/stats.test.js');
  });

  it('reminds a coder that finishes without answering the findings', async () => {
    const session = await run({
      coder: [
        FIX_LOOP,
        finish('Fixed.'),
        finish('Fixed, nothing else to do.'),
        {
          toolCalls: [
            {
              name: 'respond_to_finding',
              input: { id: 'R1-1', decision: 'rejected', reason: 'Covered by the existing tests.' },
            },
          ],
        },
        finish('Answered the review.'),
      ],
      reviewer: [review([MAJOR]), review([], 'The rejection is reasonable.')],
    });
    expect(session.state).toBe('delivered');
    const conversation = JSON.stringify(await store.loadCheckpointLog(session.id));
    expect(conversation).toContain(
      'Answer each reviewer finding with respond_to_finding before finishing: R1-1',
    );
    expect(await artifact(session, 'pull-request.md')).toContain('rejected: Covered by the existing tests.');
  });

  it('bows out at the cap when the reviewer never approves', async () => {
    const reject = (id: string): ScriptTurn => ({
      toolCalls: [
        { name: 'respond_to_finding', input: { id, decision: 'rejected', reason: 'Out of scope.' } },
      ],
    });
    const session = await run({
      coder: [FIX_LOOP, finish('Fixed.'), reject('R1-1'), finish('Fixed.'), reject('R2-1'), finish('Fixed.')],
      reviewer: [review([MAJOR]), review([MAJOR]), review([MAJOR])],
    });
    expect(session.state).toBe('bowed_out');
    expect(session.reason).toContain('after 3 rounds');
    expect((await events(session)).filter((e) => e.type === 'review.completed')).toHaveLength(3);
    const report = await artifact(session, 'report.md');
    expect(report).toContain('## Open review findings');
    expect(report).toContain('No test covers a single-element list.');
    expect(branches()).toBe('');
  });

  it('approves when the reviewer returns no findings, with warnings for soft signals', async () => {
    const debugLine: ScriptTurn = {
      toolCalls: [
        {
          name: 'edit_file',
          input: {
            path: 'src/stats.js',
            oldText: 'for (let i = 1; i < numbers.length; i++) total += numbers[i];',
            newText:
              'for (let i = 0; i < numbers.length; i++) total += numbers[i];\n  console.log("total", total);',
          },
        },
      ],
    };
    const session = await run({ coder: [debugLine, finish('Fixed the loop.')], reviewer: [review([])] });
    expect(session.state).toBe('delivered');
    const pr = await artifact(session, 'pull-request.md');
    expect(pr).toContain('## Warnings');
    expect(pr).toMatch(/debug output in src\/stats\.js:6/);
  });
});
