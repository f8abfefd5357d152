import { DEMO_SCRIPT } from '../../src/cli/demo/demo-script.ts';
import type { Script } from '../../src/models/script-file.ts';

/**
 * The scripted session the scale-out tests kill a worker in: the coder appends a line to a file (a
 * step that shows if it ever runs twice), fixes the demo's bug, then sleeps 3 s (the worker holding
 * the session is killed there), runs `afterKill` and finishes. The reviewer approves.
 */
export function killableScript(afterKill: string): Script {
  return {
    coder: [
      { toolCalls: [{ name: 'bash', input: { command: 'echo once >> steps.log' } }] },
      {
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
      { toolCalls: [{ name: 'bash', input: { command: 'sleep 3' } }] },
      { toolCalls: [{ name: 'bash', input: { command: afterKill } }] },
      {
        toolCalls: [{ name: 'finish', input: { summary: 'mean() now starts at index 0; npm test passes.' } }],
      },
    ],
    reviewer: Array.isArray(DEMO_SCRIPT) ? [] : (DEMO_SCRIPT.reviewer ?? []),
  };
}
