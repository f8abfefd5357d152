import type { ModelMessage } from 'ai';

/** Compact when the conversation reaches this share of the model's context window. */
export const COMPACT_AT_RATIO = 0.7;
/** Messages at the end of the conversation that compaction keeps verbatim. */
export const KEEP_RECENT_MESSAGES = 8;

/** A rough token count (4 characters a token), used when the provider reports none. */
export function estimateTokens(messages: readonly ModelMessage[]): number {
  return Math.ceil(JSON.stringify(messages).length / 4);
}

export interface CompactionPlan {
  /** The task: always kept. */
  head: ModelMessage[];
  /** Older steps, to be summarised. */
  middle: ModelMessage[];
  /** Recent steps, kept verbatim. Starts with an assistant message, so no tool result loses its call. */
  tail: ModelMessage[];
}

/**
 * Splits the conversation for compaction, or returns null when there is nothing worth summarising.
 * Pure. The cut lands on an assistant message so tool calls and their results stay together.
 */
export function planCompaction(
  messages: readonly ModelMessage[],
  keepRecent = KEEP_RECENT_MESSAGES,
): CompactionPlan | null {
  let cut = Math.max(1, messages.length - keepRecent);
  while (cut < messages.length && messages[cut]?.role !== 'assistant') cut++;
  if (cut >= messages.length || cut <= 1) return null;
  return { head: messages.slice(0, 1), middle: messages.slice(1, cut), tail: messages.slice(cut) };
}

/** The conversation after compaction: the task, the summary of older steps, the recent steps. */
export function applyCompaction(plan: CompactionPlan, summary: string): ModelMessage[] {
  const note: ModelMessage = {
    role: 'user',
    content:
      `[drydock compacted the conversation to fit the model's context window. Summary of the earlier steps:]\n\n${summary}\n\n` +
      '[The most recent steps follow verbatim. Continue the task.]',
  };
  return [...plan.head, note, ...plan.tail];
}

/** A plain-text rendering of messages for the summariser, each part capped so the prompt stays small. */
export function renderTranscript(messages: readonly ModelMessage[], maxPartChars = 2_000): string {
  const cap = (text: string) => (text.length > maxPartChars ? `${text.slice(0, maxPartChars)} [...]` : text);
  const lines: string[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') {
      lines.push(`${message.role}: ${cap(message.content)}`);
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') lines.push(`${message.role}: ${cap(part.text)}`);
      else if (part.type === 'tool-call')
        lines.push(`tool call ${part.toolName}: ${cap(JSON.stringify(part.input))}`);
      else if (part.type === 'tool-result') {
        const output = part.output;
        const text =
          'value' in output
            ? typeof output.value === 'string'
              ? output.value
              : JSON.stringify(output.value)
            : '';
        lines.push(`tool result ${part.toolName}: ${cap(text)}`);
      }
    }
  }
  return lines.join('\n');
}

/** Used when the summariser model fails: the tool calls made, one line each. */
export function mechanicalSummary(messages: readonly ModelMessage[]): string {
  const calls: string[] = [];
  for (const message of messages) {
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'tool-call')
        calls.push(`- ${part.toolName} ${JSON.stringify(part.input).slice(0, 200)}`);
    }
  }
  return calls.length > 0
    ? `Tool calls made so far:\n${calls.join('\n')}`
    : 'Earlier steps made no tool calls.';
}

export const SUMMARIZER_SYSTEM_PROMPT =
  "You summarise the earlier part of a coding agent's work so it can continue with less context. Keep: the plan, " +
  'decisions and their reasons, files read and changed (with paths), commands run and what they showed (failing ' +
  'tests by name, error messages), and what remains to do. Be concise and factual; no preamble.';
