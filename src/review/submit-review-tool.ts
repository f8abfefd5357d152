import { z } from 'zod';
import { defineTool } from '../agent/tool.ts';
import { plural } from '../core/plural.ts';
import { findingInputSchema } from './findings.ts';

export const submitReviewTool = defineTool({
  name: 'submit_review',
  description:
    'Submit your review and end it. findings lists every problem you found in the change, each with file, line, ' +
    'severity (critical, major, minor, nit), an explanation and a suggested fix. An empty list approves the change. ' +
    'Report only real problems in the change itself; do not invent findings.',
  inputSchema: z.object({
    summary: z.string().min(1).describe('Your overall judgement in a sentence or two'),
    findings: z.array(findingInputSchema),
  }),
  async execute({ summary, findings }) {
    return {
      output: 'Review submitted.',
      summary: plural(findings.length, 'finding'),
      stop: { kind: 'finished', summary, result: findings },
    };
  },
});
