/**
 * Host-side validation of what the supervisor sends. Its stdout is reachable from inside the sandbox
 * (a sandboxed process runs as the same user), so every line is untrusted input.
 */
import { z } from 'zod';
import type { ExecResult, FileStat } from '../core/ports/sandbox.ts';
import type { SupervisorMessage } from './supervisor.ts';

const id = z.number().int().nonnegative();

export const supervisorMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('output'), id, stream: z.enum(['stdout', 'stderr']), chunk: z.string() }),
  z.object({ type: z.literal('result'), id, value: z.unknown() }),
  z.object({
    type: z.literal('error'),
    id,
    kind: z.enum(['bad_input', 'not_found', 'internal']),
    code: z.string(),
    message: z.string(),
  }),
]) satisfies z.ZodType<SupervisorMessage>;

export const execResultSchema = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  output: z.string(),
  truncated: z.boolean(),
  timedOut: z.boolean(),
  aborted: z.boolean(),
  durationMs: z.number().nonnegative(),
}) satisfies z.ZodType<ExecResult>;

export const fileStatSchema = z
  .object({
    type: z.enum(['file', 'directory', 'symlink', 'other']),
    size: z.number().nonnegative(),
    mtimeMs: z.number(),
  })
  .nullable() satisfies z.ZodType<FileStat | null>;

// Not z.base64(): a regex over a large file's text costs more than decoding it.
export const base64Schema = z.string();
export const dirEntriesSchema = z.array(z.string());
export const nothingSchema = z.null();
