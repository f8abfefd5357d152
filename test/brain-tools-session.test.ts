/**
 * The coder's planning and checking tools in a whole session on real bubblewrap: a scripted coder
 * writes a plan (todo), asks what the gate will see (run_checks) before and after its change, fixes
 * the bug, adds a test and removes its scratch file in one patch (apply_patch), and is delivered.
 */
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { Store } from '../src/core/ports/store.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import { readCheckpoint } from '../src/sessions/checkpoint-schema.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { bubblewrapSessions, eventsOfType } from './support/bubblewrap-sessions.ts';

const plan = (statuses: Array<'pending' | 'in_progress' | 'done'>): ScriptTurn => ({
  toolCalls: [
    {
      name: 'todo',
      input: {
        items: ['Reproduce the wrong mean', 'Fix mean() and add a test', 'Run the checks'].map(
          (text, index) => ({
            text,
            status: statuses[index],
          }),
        ),
      },
    },
  ],
});
const call = (name: string, input: Record<string, unknown> = {}): ScriptTurn => ({
  toolCalls: [{ name, input }],
});

const PATCH = [
  'diff --git a/src/stats.js b/src/stats.js',
  '--- a/src/stats.js',
  '+++ b/src/stats.js',
  '@@ -3,3 +3,3 @@ export function mean(numbers) {',
  '   if (numbers.length === 0) return 0;',
  '   let total = 0;',
  '-  for (let i = 1; i < numbers.length; i++) total += numbers[i];',
  '+  for (let i = 0; i < numbers.length; i++) total += numbers[i];',
  'diff --git a/test/single.test.js b/test/single.test.js',
  'new file mode 100644',
  '--- /dev/null',
  '+++ b/test/single.test.js',
  '@@ -0,0 +1,7 @@',
  "+import assert from 'node:assert/strict';",
  "+import { test } from 'node:test';",
  "+import { mean } from '../src/stats.js';",
  '+',
  "+test('mean of one number is that number', () => {",
  '+  assert.equal(mean([5]), 5);',
  '+});',
  'diff --git a/repro.js b/repro.js',
  'deleted file mode 100644',
  '--- a/repro.js',
  '+++ /dev/null',
  '@@ -1,2 +0,0 @@',
  "-import { mean } from './src/stats.js';",
  '-console.log(mean([2, 4, 6]));',
  '',
].join('\n');

const CODER: ScriptTurn[] = [
  plan(['in_progress', 'pending', 'pending']),
  call('write_file', {
    path: 'repro.js',
    content: "import { mean } from './src/stats.js';\nconsole.log(mean([2, 4, 6]));\n",
  }),
  call('run_checks'),
  plan(['done', 'in_progress', 'pending']),
  // A hunk whose context is not in the file: nothing is written, and the file's lines are shown.
  call('apply_patch', { patch: PATCH.replace('   let total = 0;', '   let sum = 0;') }),
  call('apply_patch', { patch: PATCH }),
  plan(['done', 'done', 'in_progress']),
  call('run_checks'),
  plan(['done', 'done', 'done']),
  call('finish', {
    summary: 'mean() skipped the first number; the loop now starts at 0. Added a one-number test.',
  }),
];

const sessionsHome = await bubblewrapSessions('drydock-brain-tools-');

describe('todo, run_checks and apply_patch in a session on bubblewrap', () => {
  let store: Store;
  let deps: SessionDeps;
  const sessions: string[] = [];
  const reviewer = (DEMO_SCRIPT as { reviewer: ScriptTurn[] }).reviewer;
  const scripts: Record<string, Script> = { tools: { coder: CODER, reviewer } };

  beforeAll(async () => {
    ({ store, deps } = await sessionsHome.open({ idPrefix: 'b', scripts }));
  });

  afterAll(async () => {
    await sessionsHome.close(sessions);
  });

  it('plans, sees what the gate will see, patches atomically, and delivers only the change', async () => {
    const repo = join(sessionsHome.dir, 'repo');
    await mkdir(repo);
    await createSampleRepo(repo);
    const created = await createSession(deps, { task: DEMO_TASK, repo, model: 'script:tools' });
    sessions.push(created.id);
    const session = await runSession(deps, created.id);
    const events = await store.listEvents(session.id);
    const results = eventsOfType(events, 'tool.result');
    const outputOf = (tool: string) => results.filter((result) => result.tool === tool);
    expect(session.state, JSON.stringify(results.filter((r) => r.isError))).toBe('delivered');

    // The plan: each update logged, the last one kept in the checkpoint.
    const plans = eventsOfType(events, 'todo.updated');
    expect(plans.map((update) => update.items.map((item) => item.status))).toEqual([
      ['in_progress', 'pending', 'pending'],
      ['done', 'in_progress', 'pending'],
      ['done', 'done', 'in_progress'],
      ['done', 'done', 'done'],
    ]);
    const checkpoint = await readCheckpoint(store, session.id);
    expect(checkpoint?.agent.todos?.map((item) => item.status)).toEqual(['done', 'done', 'done']);

    // run_checks before the fix: the baseline's failure still fails, the gate would refuse, the scratch file warns.
    const [before, after] = outputOf('run_checks');
    expect(before?.isError).toBe(false);
    expect(before?.output).toMatch(/✗ test \(.+\): exit 1 in .+; 1 passed, 1 failed, 0 skipped/);
    expect(before?.output).toContain('still failing (failed on the base commit too): 1');
    expect(before?.output).toContain('mean of several numbers');
    expect(before?.output).toContain('The gate would not deliver this change yet:');
    expect(before?.output).toMatch(/scratch file in repro\.js: .*looks like a leftover/);

    // The patch that did not apply wrote nothing; the one that did fixed, added and deleted at once.
    const [refused, applied] = outputOf('apply_patch');
    expect(refused?.isError).toBe(true);
    expect(refused?.output).toContain('the patch does not apply to src/stats.js: hunk 1 of 1');
    expect(refused?.output).toContain('   let sum = 0;');
    expect(refused?.output).toContain('Nothing was written.');
    expect(applied?.output).toBe(
      'Applied the patch:\nM src/stats.js (7 lines)\nA test/single.test.js (7 lines)\nD repro.js',
    );

    // run_checks after: fixed, nothing newly failing, and the gate would pass with no warning left.
    expect(after?.output).toMatch(/✓ test \(.+\): exit 0 in .+; 3 passed, 0 failed, 0 skipped/);
    expect(after?.output).toMatch(/fixed: .*mean of several numbers/);
    expect(after?.output).not.toContain('newly failing');
    expect(after?.output).toContain('The gate would pass this change as it is now.');
    expect(after?.output).not.toContain('Warnings:');

    // Delivered: the fix and the test, not the scratch file.
    const [verdict] = eventsOfType(events, 'gate.verdict');
    expect(verdict).toMatchObject({ passed: true, warnings: [] });
    const branch = eventsOfType(events, 'delivery.branch')[0]?.branch ?? '';
    const files = execFileSync('git', ['diff', '--name-status', `main..${branch}`], {
      cwd: repo,
      encoding: 'utf8',
    });
    expect(files.trim().split('\n').sort()).toEqual(['A\ttest/single.test.js', 'M\tsrc/stats.js']);
  }, 180_000);
});
