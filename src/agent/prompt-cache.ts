import { createHash } from 'node:crypto';
import type { ModelMessage, SystemModelMessage } from 'ai';

/**
 * Prompt caching, so a long session pays the cache-read price (Anthropic: 0.1x input; OpenAI: its
 * cached-input price) for the conversation it already sent, instead of the full price on every step.
 *
 * Anthropic caches only up to explicit breakpoints (`cache_control`, at most four per request), each
 * caching everything before it in the order tools, system, messages:
 * 1. the system prompt: tools and system, the same for the whole session (and across compaction);
 * 2. the last message: the conversation so far, read back by the next step;
 * 3. the message the previous request ended with: where the previous step wrote its cache entry, so
 *    this step reads it even when many blocks were added since (the API looks back only 20 blocks).
 * Breakpoints go on a copy of the messages sent, never on the stored conversation, so old ones do not
 * pile up past the limit. OpenAI caches prefixes automatically; `promptCacheKey` routes a session's
 * requests to the same cache. Each provider ignores the other's options, so both are always set.
 */
const CACHE_BREAKPOINT = { anthropic: { cacheControl: { type: 'ephemeral' } } } as const;

/** Anthropic's limit on breakpoints in one request. */
export const MAX_CACHE_BREAKPOINTS = 4;

/** The system prompt with a breakpoint after it (and so after the tools, which come first). */
export function cachedSystem(system: string): SystemModelMessage {
  return { role: 'system', content: system, providerOptions: CACHE_BREAKPOINT };
}

/**
 * Which messages get a breakpoint: the last one, and the last one before the latest assistant reply
 * (the end of the previous request). Pure.
 */
export function cacheBreakpointIndexes(messages: readonly ModelMessage[]): number[] {
  const last = messages.length - 1;
  if (last < 0) return [];
  const indexes = [last];
  let lastAssistant = -1;
  for (let i = last; i >= 0; i--) {
    if (messages[i]?.role === 'assistant') {
      lastAssistant = i;
      break;
    }
  }
  for (let i = lastAssistant - 1; i >= 0; i--) {
    if (messages[i]?.role !== 'assistant') {
      indexes.push(i);
      break;
    }
  }
  return indexes;
}

/** A copy of the conversation with breakpoints on {@link cacheBreakpointIndexes}; the input is untouched. */
export function withCacheBreakpoints(messages: readonly ModelMessage[]): ModelMessage[] {
  const marked = new Set(cacheBreakpointIndexes(messages));
  return messages.map((message, index) => {
    if (!marked.has(index)) return message;
    const anthropic = { ...message.providerOptions?.anthropic, ...CACHE_BREAKPOINT.anthropic };
    return { ...message, providerOptions: { ...message.providerOptions, anthropic } } as ModelMessage;
  });
}

/**
 * OpenAI's `promptCacheKey` for a conversation: the same for every step of a session (it depends on
 * the system prompt and the task, the prefix every request shares), different between sessions.
 */
export function promptCacheKey(system: string, messages: readonly ModelMessage[]): string {
  const first = messages[0];
  const hash = createHash('sha256')
    .update(system)
    .update('\0')
    .update(JSON.stringify(first?.content ?? ''));
  return `drydock-${hash.digest('hex').slice(0, 32)}`;
}
