import type { FinishReason } from 'ai';

/**
 * What the loop does with a model reply, by why the model stopped. Pure.
 *
 * - `run`: the reply is whole; its tool calls run (vercel/ai's `isToolExecutionAllowedFinishReason`).
 * - `truncated`: the reply hit the output limit (`length`: Anthropic's `max_tokens`, OpenAI's
 *   `max_output_tokens`): a tool call in it may be cut mid-argument (a file half written), so none runs;
 *   each is answered with an error and the model is asked to go on in smaller steps.
 * - `refused`: the provider's content filter or the model's refusal stopped it; asking again will not
 *   help, so the session stops with that reason.
 */
export type ReplyDisposition = 'run' | 'truncated' | 'refused';

export function replyDisposition(finishReason: FinishReason): ReplyDisposition {
  switch (finishReason) {
    case 'length':
      return 'truncated';
    case 'content-filter':
      return 'refused';
    default:
      return 'run';
  }
}

/** The error result each tool call of a truncated reply gets instead of running. */
export const TRUNCATED_CALL_RESULT =
  'Not run: your reply was cut off at the output token limit, so this call may be incomplete.';

/** What the model is told after a truncated reply. */
export function truncatedReplyNotice(maxOutputTokens: number | undefined): string {
  const limit = maxOutputTokens === undefined ? 'the output token limit' : `${maxOutputTokens} output tokens`;
  return (
    `Your last reply was cut off at ${limit} before it was complete, so none of its tool calls ran. ` +
    'Continue in smaller steps: one tool call per reply, large files written in parts (write a first ' +
    'part, then extend it with edit_file), and short explanations.'
  );
}

/** The session's stop reason after a refusal, with whatever the model said. */
export function refusalReason(text: string): string {
  const said = text.trim();
  return said === ''
    ? 'the provider stopped the reply (content filter or refusal)'
    : `the provider stopped the reply (content filter or refusal): ${said}`;
}
