import { z } from 'zod';
import { BadInputError } from '../core/errors.ts';
import type { SessionPatch } from '../core/ports/store.ts';
import { SESSION_STATES } from '../core/session-state.ts';

const count = z.number().int().nonnegative();
const optionalText = z.string().nullable().optional();

/** Strict, so a field the store does not patch (an id, a timestamp) is an error, not silently dropped. */
const sessionPatchSchema = z.strictObject({
  state: z.enum(SESSION_STATES).optional(),
  baseCommit: optionalText,
  headCommit: optionalText,
  branch: optionalText,
  steps: count.optional(),
  usage: z
    .strictObject({
      inputTokens: count,
      outputTokens: count,
      costUsd: z.number().nonnegative(),
      cacheReadTokens: count.optional(),
      cacheWriteTokens: count.optional(),
      reasoningTokens: count.optional(),
      costUnknown: z.literal(true).optional(),
    })
    .optional(),
  summary: optionalText,
  reason: optionalText,
});

/** Checks a patch before it reaches the database; throws BadInputError naming the bad fields. */
export function validateSessionPatch(sessionId: string, patch: SessionPatch): SessionPatch {
  const result = sessionPatchSchema.safeParse(patch);
  if (result.success) return result.data;
  throw new BadInputError(
    'invalid_session_patch',
    `Invalid patch for session ${sessionId}: ${z.prettifyError(result.error)}`,
    { cause: result.error, details: { issues: result.error.issues } },
  );
}
