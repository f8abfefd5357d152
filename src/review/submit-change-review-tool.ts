import { z } from 'zod';
import { defineTool } from '../agent/tool.ts';
import { plural } from '../core/plural.ts';
import { findingInputSchema } from './findings.ts';

/** How the reviewer backs a critical or major finding; drydock runs it itself (docs/review.md). */
export const proofSchema = z
  .object({
    command: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A shell command drydock runs in the workspace root to show the defect: it must exit non-zero because of ' +
          'the defect (a failing test you wrote, a reproduction script). drydock runs it again itself.',
      ),
    check: z
      .string()
      .min(1)
      .optional()
      .describe("Instead of a command: the name of one of the repository's checks that the change broke"),
    expectOutput: z
      .string()
      .min(1)
      .optional()
      .describe("Text the command's output contains when it shows the defect (an assertion message)"),
  })
  .refine((proof) => (proof.command === undefined) !== (proof.check === undefined), {
    message: 'give either command or check',
  });

export type Proof = z.infer<typeof proofSchema>;

export const changeFindingSchema = findingInputSchema.extend({
  suggestedFix: z
    .string()
    .optional()
    .describe(
      "How to fix it. When the fix replaces the finding's line with one line of code, give exactly that line as a " +
        'code span (`like this`), indentation included: on a pull request it becomes a suggestion the author applies.',
    ),
  proof: proofSchema
    .optional()
    .describe('Required for critical and major findings: how drydock can see the defect for itself'),
});

export type ChangeFindingInput = z.infer<typeof changeFindingSchema>;

/** The reviewer's last call in a review of an existing change: its findings, each with a proof. */
export const submitChangeReviewTool = defineTool({
  name: 'submit_review',
  description:
    'Submit your review of this part of the change and end it. findings lists every real problem in the change, each ' +
    'with file, line, severity (critical, major, minor, nit), an explanation and a suggested fix. A critical or major ' +
    'finding needs a proof: a command that fails because of the defect (a small test you wrote in the workspace and ' +
    'ran), or the name of a check the change broke. drydock runs every proof itself; a finding whose proof does not ' +
    'fail is lowered one severity, and one whose own reproduction passes is dropped. An empty list approves.',
  inputSchema: z.object({
    summary: z.string().min(1).describe('Your overall judgement of this part, in a sentence or two'),
    findings: z.array(changeFindingSchema),
  }),
  async execute({ summary, findings }) {
    return {
      output: 'Review submitted.',
      summary: plural(findings.length, 'finding'),
      stop: { kind: 'finished', summary, result: findings },
    };
  },
});
