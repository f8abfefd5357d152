import type { ScriptTurn } from '../../src/models/script-file.ts';

/**
 * What the review bot tests (GitHub's and GitLab's) review: a change adding `src/range.js`, the findings their
 * scripted reviewer reports on it, and the reviewer's `submit_review` turn.
 */

/** The change under review (a pull or merge request): a new file whose maximum is compared with the minimum (line 8). */
export const RANGE = (
  compareWith: 'low' | 'high',
) => `/** The difference between the largest and smallest number; 0 for an empty list. */
export function range(numbers) {
  if (numbers.length === 0) return 0;
  let low = numbers[0];
  let high = numbers[0];
  for (const n of numbers) {
    if (n < low) low = n;
    if (n > ${compareWith}) high = n;
  }
  return high - low;
}
`;

export const WRONG_MAX =
  'The maximum is compared with low instead of high, so range() is wrong for most inputs.';
export const NAN_DOC = 'The doc comment does not say what happens when a number is NaN.';
export const MEAN_SKIPS = 'mean() leaves out the first number (the loop starts at 1).';
export const INIT = 'low and high could start as Math.min and Math.max of the list.';

export const submit = (summary: string, findings: Array<Record<string, unknown>>): ScriptTurn[] => [
  { toolCalls: [{ name: 'submit_review', input: { summary, findings } }] },
];
