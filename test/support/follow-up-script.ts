import { DEMO_SCRIPT } from '../../src/cli/demo/demo-script.ts';
import type { ScriptTurn } from '../../src/models/script-file.ts';

/**
 * The demo's script with one follow-up turn after its delivery (the scripted coder replays by position): it
 * edits the doc comment of `mean()` and finishes. What the trigger tests' follow-ups (a comment on a pull or
 * merge request, a Slack reply) run.
 */
export const DEMO_WITH_FOLLOW_UP: { coder: ScriptTurn[]; reviewer: ScriptTurn[] } = {
  coder: [
    ...(DEMO_SCRIPT as { coder: ScriptTurn[] }).coder,
    {
      toolCalls: [
        {
          name: 'edit_file',
          input: {
            path: 'src/stats.js',
            oldText: '/** The arithmetic mean of a list of numbers; 0 for an empty list. */',
            newText:
              '/** The arithmetic mean of a list of numbers (every element counts); 0 for an empty list. */',
          },
        },
      ],
    },
    { toolCalls: [{ name: 'finish', input: { summary: 'Addressed the follow-up.' } }] },
  ],
  reviewer: (DEMO_SCRIPT as { reviewer: ScriptTurn[] }).reviewer,
};
