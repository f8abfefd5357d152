import { join } from 'node:path';
import { systemClock } from '../../src/core/ports/clock.ts';
import type { Store } from '../../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../../src/core/session.ts';
import { createModelRouter } from '../../src/models/router.ts';
import type { Script, ScriptTurn } from '../../src/models/script-file.ts';
import { createNoSandboxProvider } from '../../src/sandbox/no-sandbox-provider.ts';
import type { SessionDeps } from '../../src/sessions/session-deps.ts';
import { createSequentialIds } from '../../src/store/ids.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

// Scripted managers and children on the demo's sample repository (src/stats.js has a bug in mean();
// `npm test` is `node --test`). A manager's session model is `script:<name>`: its `manager` turns drive
// the manager and its `reviewer` turns review the whole. Each child is given its own script by
// spawn_child's `model` (`script:child-…`), so children act differently: its `coder` turns are the
// child's agent, its `reviewer` turns the child's own review.

const approve: ScriptTurn = {
  toolCalls: [{ name: 'submit_review', input: { summary: 'The change is right and tested.', findings: [] } }],
};

export const FIX_MEAN = 'Fix mean() in src/stats.js: the loop skips the first number.';
export const ADD_SUM = 'Add sum() in src/sum.js (0 for an empty list) with a test in test/sum.test.js.';

const fixMean = {
  name: 'edit_file',
  input: {
    path: 'src/stats.js',
    oldText: 'for (let i = 1; i < numbers.length; i++)',
    newText: 'for (let i = 0; i < numbers.length; i++)',
  },
};

const SUM_JS = `/** The sum of a list of numbers; 0 for an empty list. */
export function sum(numbers) {
  let total = 0;
  for (const n of numbers) total += n;
  return total;
}
`;
const SUM_TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sum } from '../src/sum.js';

test('sum of several numbers', () => {
  assert.equal(sum([2, 4, 6]), 12);
});
`;
const addSum = [
  { name: 'write_file', input: { path: 'src/sum.js', content: SUM_JS } },
  { name: 'write_file', input: { path: 'test/sum.test.js', content: SUM_TEST } },
];

export const RESOLVED_STATS = `/** The arithmetic mean of a list of numbers; 0 for an empty list. */
export function mean(numbers) {
  if (numbers.length === 0) return 0;
  let total = 0;
  for (const n of numbers) total += n;
  return total / numbers.length;
}
`;

const finish = (summary: string): ScriptTurn => ({ toolCalls: [{ name: 'finish', input: { summary } }] });
const spawn = (task: string, model: string) => ({ name: 'spawn_child', input: { task, model } });
const integrate = (id: string) => ({ name: 'integrate_child', input: { id } });

/**
 * Scripts by name. `ids` are the children's session ids as the manager will get them (sequential ids:
 * the manager is `<prefix>1`, its children `<prefix>2` and `<prefix>3`).
 */
export function managerScripts(prefix: string): Record<string, Script> {
  const [a, b] = [`${prefix}2`, `${prefix}3`];
  return {
    // Two parts, two children, one delivery.
    'two-parts': {
      manager: [
        {
          text: 'Two independent parts: mean() and a new sum().',
          toolCalls: [spawn(FIX_MEAN, 'script:child-mean'), spawn(ADD_SUM, 'script:child-sum')],
        },
        { toolCalls: [{ name: 'wait_children', input: {} }] },
        { toolCalls: [{ name: 'child_result', input: { id: a } }] },
        { toolCalls: [integrate(a), integrate(b)] },
        finish('mean() fixed by one child, sum() added by the other; both integrated.'),
      ],
      reviewer: [approve],
    },
    'child-mean': {
      coder: [{ toolCalls: [fixMean] }, finish('mean() now starts at index 0.')],
      reviewer: [approve],
    },
    'child-sum': { coder: [{ toolCalls: addSum }, finish('sum() added with a test.')], reviewer: [approve] },
    // A child that gives up at first, is sent back with a message, and delivers; a second spawn past
    // the fan-out limit (1) is refused.
    retry: {
      manager: [
        { toolCalls: [spawn(FIX_MEAN, 'script:child-gives-up-first'), spawn(ADD_SUM, 'script:child-sum')] },
        { toolCalls: [{ name: 'wait_children', input: {} }] },
        {
          toolCalls: [{ name: 'message_child', input: { id: a, text: 'Look again: the loop starts at 1.' } }],
        },
        { toolCalls: [{ name: 'wait_children', input: { ids: [a] } }] },
        { toolCalls: [integrate(a)] },
        {
          toolCalls: [
            { name: 'write_file', input: { path: 'src/sum.js', content: SUM_JS } },
            { name: 'write_file', input: { path: 'test/sum.test.js', content: SUM_TEST } },
          ],
        },
        finish('The child fixed mean() on its second turn; I added sum() myself (no more children allowed).'),
      ],
      reviewer: [approve],
    },
    'child-gives-up-first': {
      coder: [
        { toolCalls: [{ name: 'give_up', input: { reason: 'I cannot find the bug.' } }] },
        { toolCalls: [fixMean] },
        finish('mean() now starts at index 0.'),
      ],
      reviewer: [approve],
    },
    // Children that take their time (the manager is cancelled, or its worker killed, meanwhile).
    slow: {
      manager: [
        { toolCalls: [spawn(FIX_MEAN, 'script:child-slow-mean'), spawn(ADD_SUM, 'script:child-sum')] },
        { toolCalls: [{ name: 'wait_children', input: {} }] },
        { toolCalls: [integrate(a), integrate(b)] },
        finish('Both parts integrated.'),
      ],
      reviewer: [approve],
    },
    // Two children change the same line: the second integration leaves conflict markers, which the
    // manager resolves by writing the file.
    conflict: {
      manager: [
        { toolCalls: [spawn(FIX_MEAN, 'script:child-mean'), spawn(FIX_MEAN, 'script:child-mean-alt')] },
        { toolCalls: [{ name: 'wait_children', input: {} }] },
        { toolCalls: [integrate(a)] },
        { toolCalls: [integrate(b)] },
        { toolCalls: [{ name: 'write_file', input: { path: 'src/stats.js', content: RESOLVED_STATS } }] },
        finish('Both children fixed mean(); I kept the for-of loop where their changes met.'),
      ],
      reviewer: [approve],
    },
    'child-mean-alt': {
      coder: [
        {
          toolCalls: [
            {
              name: 'edit_file',
              input: {
                path: 'src/stats.js',
                oldText: 'for (let i = 1; i < numbers.length; i++) total += numbers[i];',
                newText: 'for (const n of numbers) total += n;',
              },
            },
          ],
        },
        finish('mean() sums every number with for-of.'),
      ],
      reviewer: [approve],
    },
    // Under `drydock up` children get random ids the script cannot name: the manager waits for its one
    // child and does the other part itself.
    'up-slow.json': {
      manager: [
        { toolCalls: [spawn(FIX_MEAN, 'script:child-slow-mean.json')] },
        { toolCalls: [{ name: 'wait_children', input: {} }] },
        { toolCalls: addSum },
        finish('A child fixed mean(); I added sum().'),
      ],
      reviewer: [approve],
    },
    'child-slow-mean': {
      coder: [
        { toolCalls: [{ name: 'bash', input: { command: 'echo once >> steps.log' } }] },
        { toolCalls: [fixMean] },
        { toolCalls: [{ name: 'bash', input: { command: 'sleep 3' } }] },
        { toolCalls: [{ name: 'bash', input: { command: 'cat steps.log && rm steps.log' } }] },
        finish('mean() now starts at index 0.'),
      ],
      reviewer: [approve],
    },
  };
}

/** The scripts as files `<name>.json` (a server reads script: models from its scripts directory only). */
export function scriptFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, script] of Object.entries(managerScripts('m'))) {
    files[name.endsWith('.json') ? name : `${name}.json`] = JSON.stringify(script);
  }
  return files;
}

/** Session deps on SQLite in `dir/home`, no sandbox (the tests run many sessions), sequential ids. */
export async function managerDeps(
  dir: string,
  prefix: string,
  extra: Partial<SessionDeps> = {},
): Promise<{ deps: SessionDeps; store: Store }> {
  const ids = createSequentialIds(prefix);
  // The store's own ids (artifacts) apart, so session ids are `<prefix>1`, `<prefix>2`, … in order.
  const store = await openSqliteStore({
    path: join(dir, 'home', 'drydock.db'),
    clock: systemClock,
    ids: createSequentialIds(`${prefix}-artifact-`),
  });
  const scripts = managerScripts('m');
  const deps: SessionDeps = {
    store,
    sandboxes: createNoSandboxProvider(),
    models: (spec, friend) =>
      createModelRouter({
        default: spec,
        ...(friend ? { roles: { friend } } : {}),
        env: {},
        cwd: dir,
        scripts,
      }),
    clock: systemClock,
    ids,
    home: join(dir, 'home'),
    budget: DEFAULT_BUDGET,
    ...extra,
  };
  return { deps, store };
}
