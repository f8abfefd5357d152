import { z } from 'zod';
import { defineTool } from '../tool.ts';

export const giveUpTool = defineTool({
  name: 'give_up',
  description:
    'Call when you cannot complete the task with a change you can stand behind: the task is unclear, ' +
    'impossible, or you could not make the checks pass. The reason says what you tried, what failed, and what ' +
    'a human should look at. Bowing out honestly is a good result; a bad change is not.',
  inputSchema: z.object({ reason: z.string().min(1, 'reason must not be empty') }),
  async execute({ reason }) {
    return { output: 'Bowing out.', summary: 'gave up', stop: { kind: 'gave_up', reason } };
  },
});
