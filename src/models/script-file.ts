import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BadInputError, describeError } from '../core/errors.ts';
import { MODEL_ROLES, type ModelRole } from '../core/ports/models.ts';

const toolCallSchema = z.strictObject({
  name: z.string().min(1),
  // Any JSON object: the agent's tool wrapper validates it against the tool's own schema.
  input: z.looseObject({}),
});

const turnSchema = z.strictObject({
  reasoning: z.string().optional(),
  text: z.string().optional(),
  toolCalls: z.array(toolCallSchema).optional(),
});

const turnsSchema = z.array(turnSchema);

// Strict, so a misspelt role ("reviwer") is an error instead of a role that silently never answers.
const scriptByRoleSchema = z.strictObject(
  Object.fromEntries(MODEL_ROLES.map((role) => [role, turnsSchema.optional()])) as Record<
    ModelRole,
    z.ZodOptional<typeof turnsSchema>
  >,
);

export interface ScriptToolCall {
  name: string;
  /** The tool's input, a JSON object; the scripted model sends it JSON-encoded, as providers do. */
  input: Record<string, unknown>;
}

/** One model answer: text, tool calls, or both. Neither is an empty answer. */
export interface ScriptTurn {
  /** What the model thinks before it answers: streamed as reasoning, kept in the reply. */
  reasoning?: string;
  text?: string;
  toolCalls?: ScriptToolCall[];
}

/** One list of turns shared by every role, or one list per role. */
export type Script = ScriptTurn[] | Partial<Record<ModelRole, ScriptTurn[]>>;

/** The turns a role replays. Roles a keyed script leaves out get none, so they answer "exhausted". */
export function turnsForRole(script: Script, role: ModelRole): ScriptTurn[] {
  return Array.isArray(script) ? script : (script[role] ?? []);
}

/** `coder[2].toolCalls[0].name` from zod's `['coder', 2, 'toolCalls', 0, 'name']`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

function invalidScript(source: string, problem: string, cause?: unknown): BadInputError {
  return new BadInputError('invalid_script', `Script ${source} is invalid: ${problem}`, {
    cause,
    details: { source, problem },
  });
}

/**
 * Validates script data (parsed JSON or an in-memory value). `source` names it in errors.
 * Throws `BadInputError` (`invalid_script`) naming the first problem and its path.
 */
export function parseScript(data: unknown, source: string): Script {
  const isArray = Array.isArray(data);
  if (!isArray && (typeof data !== 'object' || data === null)) {
    throw invalidScript(
      source,
      `expected an array of turns or an object keyed by role (${MODEL_ROLES.join(', ')})`,
    );
  }
  const result = isArray ? turnsSchema.safeParse(data) : scriptByRoleSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const message =
    issue?.code === 'unrecognized_keys'
      ? unknownKeys(issue.keys)
      : (issue?.message ?? 'unknown problem').replace(/^Invalid input: /, '');
  const hint =
    issue?.code === 'unrecognized_keys' && issue.path.length === 0
      ? ` (roles: ${MODEL_ROLES.join(', ')})`
      : '';
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
  throw invalidScript(source, `${formatPath(issue?.path ?? [])}: ${message}${hint}${more}`, result.error);
}

/**
 * A misspelt field by its name; a key that does not look like one (a secret in a file that is not a
 * script) only as "an unknown key". Pure.
 */
function unknownKeys(keys: readonly string[]): string {
  const named = keys.filter((key) => /^[A-Za-z_][\w-]{0,31}$/.test(key));
  if (named.length === 0 || named.length < keys.length) return 'an unknown key';
  return `unknown key${named.length > 1 ? 's' : ''} ${named.map((key) => `"${key}"`).join(', ')}`;
}

/** Where JSON.parse stopped, from V8's message, without the bytes it quotes. Pure. */
function jsonErrorPlace(error: unknown): string {
  const match = /\(line (\d+) column (\d+)\)/.exec(describeError(error));
  if (match) return ` (line ${match[1]}, column ${match[2]})`;
  return /end of JSON input/.test(describeError(error)) ? ' (it ends too early)' : '';
}

/**
 * Reads and validates a script file. Throws `BadInputError` (`invalid_script`) on any problem, named by
 * `source` (default: the path) and by where in the file it is, never by the file's content: the file may
 * not be a script at all.
 */
export function loadScript(path: string, source = path): Script {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw invalidScript(source, `cannot read the file (${code}).`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // No cause: V8's message quotes the text it stopped at.
    throw invalidScript(source, `not valid JSON${jsonErrorPlace(error)}.`);
  }
  return parseScript(data, source);
}
