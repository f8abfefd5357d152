import { z } from 'zod';
import { defineTool } from '../tool.ts';

export const finishTool = defineTool({
  name: 'finish',
  description:
    'Call when the task is done and you have checked that the change works (run the tests). drydock then ' +
    'verifies and delivers the change. The summary says what you changed and why, and how you checked it.',
  inputSchema: z.object({ summary: z.string().min(1, 'summary must not be empty') }),
  async execute({ summary }) {
    return { output: 'Finishing.', summary: 'finished', stop: { kind: 'finished', summary } };
  },
});
