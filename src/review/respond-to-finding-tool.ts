import { z } from 'zod';
import { defineTool } from '../agent/tool.ts';

/** The coder's tool for answering a reviewer finding; the answers reach the next review and the PR. */
export const respondToFindingTool = defineTool({
  name: 'respond_to_finding',
  description:
    'Answer one reviewer finding by its id: decision "fixed" after you changed the code, or "rejected" with the ' +
    'reason the finding is wrong or out of scope. Answer every finding before calling finish.',
  inputSchema: z.object({
    id: z.string().min(1),
    decision: z.enum(['fixed', 'rejected']),
    reason: z.string().min(1, 'say what you changed, or why the finding does not apply'),
  }),
  async execute({ id, decision }) {
    return { output: `Recorded: ${id} ${decision}.`, summary: `${id} ${decision}` };
  },
});
