import type { ReviewChunk } from './review-chunks.ts';

export const CHANGE_REVIEWER_SYSTEM_PROMPT = [
  "You are drydock's reviewer: a senior engineer reviewing a change (a branch, a pull request) before it is merged. " +
    'The workspace holds the repository with the change applied, uncommitted (its git HEAD is the base commit); ' +
    'the change is below. You run in a sandbox: read the code, run commands, write files. Nothing you write leaves ' +
    'the sandbox.',
  'Look for what would make a careful maintainer reject the change: wrong behaviour, missed cases, broken or ' +
    'weakened tests, security problems. Check every claim against the code. Be specific and brief; do not restate ' +
    'the diff and do not report style preferences as major.',
  'Evidence, not opinions: before you report a critical or major finding, prove it. Write a small failing test or ' +
    'reproduction in the workspace (a new file), run it with bash, and give its command as the proof (or name a ' +
    'check the change broke). drydock runs each proof again itself: a proof that does not fail lowers the finding ' +
    'one severity; a reproduction that passes drops it. If you cannot prove a finding, report it as minor.',
  'End by calling submit_review with your findings (an empty list approves).',
].join('\n\n');

export interface ChangeReviewRequest {
  /** What the change is for: "Review main..feature", with the PR's description when given. */
  task: string;
  /** The repository's instructions for agents (AGENTS.md), when it has them. */
  instructions?: string;
  /** A "Repository knowledge" section (docs/knowledge.md): approved notes relevant to the change. */
  knowledge?: string;
  /** The gate's checks on the base commit and on the change. */
  verification: string;
  chunk: ReviewChunk;
  part: number;
  parts: number;
  /** Every file of the whole change, when it is reviewed in parts. */
  allFiles: readonly string[];
  /** The changed files of this part as they are with the change, by path (some may be cut). */
  around: ReadonlyArray<{ path: string; text: string }>;
}

/** The reviewer's first and only user message. Pure. */
export function changeReviewRequest(input: ChangeReviewRequest): string {
  const parts = [`# The change\n\n${input.task}`];
  if (input.instructions) parts.push(`# The repository's instructions (AGENTS.md)\n\n${input.instructions}`);
  if (input.knowledge) parts.push(input.knowledge);
  parts.push(`# Verification\n\n${input.verification}`);
  if (input.parts > 1) {
    parts.push(
      `# This part\n\nThe change is large, so it is reviewed in ${input.parts} parts; this is part ${input.part}. ` +
        `Review the files of this part (${input.chunk.files.join(', ')}); read the others when you need to.\n` +
        `Every file the change touches: ${input.allFiles.join(', ')}`,
    );
  }
  parts.push(`# The diff (against the base commit)\n\n\`\`\`diff\n${input.chunk.diff}\n\`\`\``);
  if (input.around.length > 0) {
    const files = input.around.map(({ path, text }) => `## ${path}\n\n\`\`\`\n${text}\n\`\`\``);
    parts.push(`# The changed files as they are with the change\n\n${files.join('\n\n')}`);
  }
  return parts.join('\n\n');
}
