import type { Finding, FindingResponse } from './findings.ts';
import { formatFinding } from './findings.ts';

export const REVIEWER_SYSTEM_PROMPT = [
  "You are drydock's reviewer: a senior engineer reviewing a change another agent made, before it becomes a pull " +
    'request. You see the task, the diff and the repository (read-only tools); you do not see how the change was made.',
  'Look for what would make a careful maintainer reject it: wrong behaviour, missed cases the task implies, broken ' +
    'or weakened tests, security problems, changes unrelated to the task. Check claims against the code with the ' +
    'tools. Be specific and brief; do not restate the diff, and do not report style preferences as major.',
  'End by calling submit_review with your findings (an empty list approves).',
].join('\n\n');

/** The reviewer's first and only user message: task, diff and, after the first round, the history. */
export function reviewRequest(input: {
  task: string;
  diff: string;
  checksSummary: string;
  /** A "Repository knowledge" section (docs/knowledge.md), placed after the task. */
  knowledge?: string;
  previous: ReadonlyArray<{ finding: Finding; response?: FindingResponse }>;
}): string {
  const parts = [
    `# Task\n\n${input.task}`,
    ...(input.knowledge ? [input.knowledge] : []),
    `# Verification\n\n${input.checksSummary}`,
    `# The change (git diff against the base commit)\n\n\`\`\`diff\n${input.diff}\n\`\`\``,
  ];
  if (input.previous.length > 0) {
    const history = input.previous.map(({ finding, response }) => {
      const answer = response ? `coder: ${response.decision}: ${response.reason}` : 'coder: no answer';
      return `- ${formatFinding(finding)}\n  ${answer}`;
    });
    parts.push(
      `# Earlier review findings and the coder's answers\n\n${history.join('\n')}\n\n` +
        'Report again any finding that is still a problem (a rejection you disagree with, a fix that did not fix it); ' +
        'do not repeat findings that were resolved or rightly rejected.',
    );
  }
  return parts.join('\n\n');
}
