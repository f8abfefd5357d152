import type { Script, ScriptTurn } from '../../src/models/script-file.ts';

/**
 * Scripted attempts on the demo's sample repository (src/stats.js: mean() skips the first number, so
 * `mean of several numbers` fails; `mean of an empty list is 0` passes), for the best-of-N tests.
 */

const FIX_LOOP = {
  name: 'edit_file',
  input: {
    path: 'src/stats.js',
    oldText: 'for (let i = 1; i < numbers.length; i++)',
    newText: 'for (let i = 0; i < numbers.length; i++)',
  },
};

const APPROVE: ScriptTurn[] = [
  { toolCalls: [{ name: 'submit_review', input: { summary: 'Correct and minimal.', findings: [] } }] },
];

/** Fixes the bug: the loop starts at 0. The reviewer approves. */
export const FIXER: Script = {
  coder: [
    { toolCalls: [FIX_LOOP] },
    { toolCalls: [{ name: 'finish', input: { summary: 'mean() now starts its loop at 0.' } }] },
  ],
  reviewer: APPROVE,
};

/** Fixes the bug but breaks the empty list (a passing test fails): the gate refuses it. */
export const REGRESSOR: Script = {
  coder: [
    { toolCalls: [FIX_LOOP] },
    {
      toolCalls: [
        {
          name: 'edit_file',
          input: {
            path: 'src/stats.js',
            oldText: 'if (numbers.length === 0) return 0;',
            newText: 'if (numbers.length === 0) return NaN;',
          },
        },
      ],
    },
    { toolCalls: [{ name: 'finish', input: { summary: 'mean() fixed.' } }] },
  ],
  reviewer: APPROVE,
};

/** Deletes the failing test instead of fixing the code: the gate refuses it. */
export const DELETER: Script = {
  coder: [
    {
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
    },
    { toolCalls: [{ name: 'finish', input: { summary: 'The tests pass now.' } }] },
  ],
  reviewer: APPROVE,
};

/** A parent's judge that picks attempt `n` with these words. */
export function judgeScript(n: number, words: string): Script {
  return { judge: [{ toolCalls: [{ name: 'choose_attempt', input: { attempt: n, reason: words } }] }] };
}
