/**
 * The gate on real test runners, end to end: each fixture project in test/fixtures/runners (jest,
 * vitest, mocha, ava, tap, tape, node:test, playwright test, installed from the registry by the
 * session's own setup through drydock's egress proxy) goes through whole sessions with a scripted
 * coder. A correct fix is delivered; a change that also breaks a passing test in another file bows out
 * naming it; jest's chained `jest && npm run lint` is judged on both its tests and its lint step.
 */
import { execFileSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventData } from '../src/core/events.ts';
import type { Store } from '../src/core/ports/store.ts';
import type { Session } from '../src/core/session.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { bubblewrapSessions } from './support/bubblewrap-sessions.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'runners');
const TASK = 'The mean test fails: mean([2, 4, 6]) should be 4. Fix mean in src/stats.js.';

const edit = (oldText: string, newText: string, path = 'src/stats.js') => ({
  name: 'edit_file',
  input: { path, oldText, newText },
});
const FIX = edit('for (let i = 1; i < numbers.length; i++)', 'for (let i = 0; i < numbers.length; i++)');
// Breaks median of an odd count ([1, 3, 5] → 5) and nothing else: median of an even count is unchanged.
const BREAK_MEDIAN = edit(
  'const middle = Math.floor(sorted.length / 2);',
  'const middle = Math.ceil(sorted.length / 2);',
);
const finish = (summary: string): ScriptTurn => ({ toolCalls: [{ name: 'finish', input: { summary } }] });
const GIVE_UP: ScriptTurn = { toolCalls: [{ name: 'give_up', input: { reason: 'The checks still fail.' } }] };
const APPROVE: ScriptTurn = {
  toolCalls: [{ name: 'submit_review', input: { summary: 'Correct and minimal.', findings: [] } }],
};

const sessionsHome = await bubblewrapSessions('drydock-gate-runners-');
const { dir } = sessionsHome;

describe('the gate on real test runners', () => {
  let store: Store;
  let deps: SessionDeps;
  const scripts: Record<string, Script> = {};
  const sessions: string[] = [];

  beforeAll(async () => {
    ({ store, deps } = await sessionsHome.open({ idPrefix: 'r', scripts }));
  });

  afterAll(async () => {
    await sessionsHome.close(sessions);
  });

  async function repository(runner: string, name = runner): Promise<string> {
    const repo = join(dir, 'repos', name);
    await cp(join(FIXTURES, runner), repo, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', 'commit', '-q', '-m', 'stats');
    return repo;
  }

  async function run(
    repo: string,
    name: string,
    script: Script,
  ): Promise<{ session: Session; log: EventData[] }> {
    scripts[name] = script;
    const created = await createSession(deps, { task: TASK, repo, model: `script:${name}` });
    sessions.push(created.id);
    const session = await runSession(deps, created.id);
    return { session, log: (await store.listEvents(session.id)).map((event) => event.data) };
  }

  const verdicts = (log: EventData[]) =>
    log.filter((data): data is Extract<EventData, { type: 'gate.verdict' }> => data.type === 'gate.verdict');

  it.each(['jest', 'vitest', 'mocha', 'ava', 'tap', 'tape', 'node-test', 'playwright'])(
    '%s: a fix is delivered; breaking a test in another file bows out naming it',
    async (runner) => {
      const repo = await repository(runner);

      const fixed = await run(repo, `${runner}-fix`, {
        coder: [{ toolCalls: [FIX] }, finish('Start at 0.')],
        reviewer: [APPROVE],
      });
      expect(
        fixed.session.state,
        JSON.stringify(
          fixed.log.filter((d) => ['session.error', 'gate.verdict', 'checks.completed'].includes(d.type)),
        ),
      ).toBe('delivered');
      const detected = fixed.log.find((data) => data.type === 'checks.detected');
      expect(detected).toMatchObject({
        checks: expect.arrayContaining([expect.objectContaining({ name: 'test', runner })]),
      });
      // Per-test results from the runner's report on both sides: one failure at baseline, none after.
      const baseline = fixed.log.find(
        (data) => data.type === 'checks.completed' && data.phase === 'baseline',
      );
      expect(baseline).toMatchObject({
        checks: expect.arrayContaining([
          expect.objectContaining({ name: 'test', tests: { passed: 3, failed: 1, skipped: 1 } }),
        ]),
      });
      const [passed] = verdicts(fixed.log);
      expect(passed).toMatchObject({ passed: true, passToPass: 3 });
      expect(passed?.failToPass).toEqual([expect.stringContaining('of several numbers')]);
      expect(passed?.detectionErrors).toBeUndefined();

      const broken = await run(repo, `${runner}-break`, {
        coder: [{ toolCalls: [FIX, BREAK_MEDIAN] }, finish('Fixed mean.'), GIVE_UP],
        reviewer: [APPROVE],
      });
      expect(broken.session.state).toBe('bowed_out');
      const [failed] = verdicts(broken.log);
      expect(failed?.passed).toBe(false);
      expect(failed?.problems.join('\n')).toMatch(/broke tests that passed before: .*of an odd count/);
      expect(failed?.problems.join('\n')).not.toMatch(/of an even count|of several numbers/);
    },
    240_000,
  );

  it('jest && npm run lint: the lint step counts, and it is named when it fails', async () => {
    const repo = await repository('jest', 'jest-lint');
    const debugLine = edit(
      'function median(numbers) {',
      'function median(numbers) {\n  console.log(numbers);',
    );
    const { session, log } = await run(repo, 'jest-lint', {
      coder: [{ toolCalls: [FIX, debugLine] }, finish('Fixed mean.'), GIVE_UP],
      reviewer: [APPROVE],
    });
    expect(session.state).toBe('bowed_out');
    const detected = log.find((data) => data.type === 'checks.detected');
    // The script's lint step is the lint check: run once, on its own, so jest failing before it hides nothing.
    expect(
      detected?.type === 'checks.detected' && detected.checks.map((check) => [check.name, check.command]),
    ).toEqual([
      [
        'test',
        `export PATH="$PWD/node_modules/.bin:$PATH" && jest --json --outputFile=/tmp/drydock-${session.id}-test-report.json`,
      ],
      ['lint', 'npm run lint'],
    ]);
    const [verdict] = verdicts(log);
    // The tests pass; the lint step does not, where it passed on the base commit.
    expect(verdict?.problems).toEqual([
      'lint (npm run lint): exited with 1, and it passed on the base commit',
    ]);
  }, 240_000);
});
