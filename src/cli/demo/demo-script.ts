import type { Script } from '../../models/script-file.ts';

/** The task the demo gives drydock. */
export const DEMO_TASK = 'mean() in src/stats.js returns the wrong value. Fix it so the tests pass.';

/**
 * The built-in scripted demo model (`script:demo`): a test and demo double that replays a fixed
 * coder conversation for the sample repository, so the demo runs offline. It is not an LLM.
 */
export const DEMO_SCRIPT: Script = {
  coder: [
    {
      text: 'I will start by running the tests to see what fails.',
      toolCalls: [{ name: 'bash', input: { command: 'npm test' } }],
    },
    {
      // Shown live in the web UI as the agent's thinking (the CLI prints only the text).
      reasoning:
        'Only the mean test fails, and the sum is off by the first number: the loop bounds are the suspect.',
      text: 'The mean test fails. Let me read the function.',
      toolCalls: [{ name: 'read_file', input: { path: 'src/stats.js' } }],
    },
    {
      text: 'The loop starts at index 1, so it skips the first number. It should start at 0.',
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
    },
    { text: 'Running the tests again.', toolCalls: [{ name: 'bash', input: { command: 'npm test' } }] },
    {
      toolCalls: [
        {
          name: 'finish',
          input: {
            summary:
              'mean() skipped the first number because its loop started at index 1; it now starts at 0. ' +
              'npm test passes (2 tests).',
          },
        },
      ],
    },
  ],
  reviewer: [
    {
      text: 'Checking the loop bounds and the empty-list case.',
      toolCalls: [{ name: 'read_file', input: { path: 'src/stats.js' } }],
    },
    {
      toolCalls: [
        {
          name: 'submit_review',
          input: {
            summary: 'The fix is minimal and correct: the loop now covers every element, and the tests pass.',
            findings: [],
          },
        },
      ],
    },
  ],
};
