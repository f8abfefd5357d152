import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { BadInputError } from './errors.ts';
import { yamlIssueAt } from './yaml-lines.ts';

/** Where a repository keeps its playbooks: `<name>.md` each. */
export const PLAYBOOKS_DIR = '.drydock/playbooks';

/** Where a playbook came from. A repository's playbook wins over the server's of the same name. */
export type PlaybookSource = 'repo' | 'server';

/** A playbook's name: what `--playbook` and `@drydock <name>` say, and its file name without `.md`. */
export const PLAYBOOK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** The checks a playbook may name (the gate's check names). */
export const PLAYBOOK_CHECKS = ['test', 'typecheck', 'lint'] as const;
export type PlaybookCheck = (typeof PLAYBOOK_CHECKS)[number];

export interface PlaybookInput {
  description: string;
  required: boolean;
  /** Used when the input is not given; absent: none (a required input must then be given). */
  default?: string;
}

/** A reusable task template (docs/playbooks.md), parsed and checked. */
export interface Playbook {
  name: string;
  description: string;
  /** In the order the front matter declares them. */
  inputs: Record<string, PlaybookInput>;
  /** The session's model unless the request names one. */
  model?: string;
  /** Best of N unless the request says otherwise. */
  attempts?: number;
  /** Checks the agent is asked to run and pass before it finishes. */
  checks?: PlaybookCheck[];
  /** The markdown body: steps with `{{input}}` placeholders. */
  body: string;
}

/** A playbook as a list shows it: where it came from, and from which file or record. */
export interface PlaybookEntry extends Playbook {
  source: PlaybookSource;
}

const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

const frontMatterSchema = z
  .object({
    description: z.string().trim().min(1, 'say what the playbook does'),
    inputs: z
      .record(
        z.string().regex(INPUT_NAME, { message: 'input names are letters, digits, _ and -' }),
        z
          .object({
            description: z.string().trim().min(1, 'say what the input is'),
            required: z.boolean().optional(),
            default: scalar.optional(),
          })
          .strict(),
      )
      .optional(),
    model: z.string().trim().min(1).optional(),
    attempts: z.number().int().min(1).max(8).optional(),
    checks: z.array(z.enum(PLAYBOOK_CHECKS)).min(1).optional(),
  })
  .strict();

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;

/**
 * Parses a playbook file: YAML front matter between `---` lines, then the markdown body. Errors are
 * `BadInputError('invalid_playbook')` naming the file and the line. A placeholder that names no input is
 * an error here, so a typo never reaches an agent as literal braces. Pure.
 */
export function parsePlaybook(name: string, text: string, file = `${PLAYBOOKS_DIR}/${name}.md`): Playbook {
  if (!PLAYBOOK_NAME.test(name)) {
    throw invalid(file, undefined, `"${name}" is not a playbook name (lowercase letters, digits, _ and -)`);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.trim() !== '---') {
    throw invalid(file, 1, 'a playbook starts with front matter: a line "---", YAML, and "---" again');
  }
  const end = lines.findIndex((line, index) => index > 0 && line.trim() === '---');
  if (end === -1) throw invalid(file, 1, 'the front matter opened here has no closing "---" line');
  // Line numbers in the file: the YAML starts on line 2.
  const yamlText = lines.slice(1, end).join('\n');
  const lineCounter = new LineCounter();
  const document = parseDocument(yamlText, { lineCounter, prettyErrors: true });
  const syntax = document.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0].line;
    throw invalid(file, line === undefined ? undefined : line + 1, `${syntax.message.split('\n')[0]} (YAML)`);
  }
  const parsed = frontMatterSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const { path, line } = yamlIssueAt(document, lineCounter, issue);
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((key) => `"${key}"`).join(', ')}`
        : issue.message;
    throw invalid(
      file,
      line === undefined ? undefined : line + 1,
      `${path.length > 0 ? `${path.join('.')}: ` : ''}${message}`,
    );
  }
  const front = parsed.data;
  const inputs: Record<string, PlaybookInput> = {};
  for (const [input, spec] of Object.entries(front.inputs ?? {})) {
    inputs[input] = {
      description: spec.description,
      required: spec.required ?? false,
      ...(spec.default === undefined ? {} : { default: spec.default }),
    };
  }
  const body = lines
    .slice(end + 1)
    .join('\n')
    .trim();
  if (body === '') throw invalid(file, end + 2, 'the body is empty: write the steps after the front matter');
  const bodyStart = end + 2;
  lines.slice(end + 1).forEach((line, index) => {
    for (const match of line.matchAll(PLACEHOLDER)) {
      const input = match[1]!;
      if (!(input in inputs)) {
        const known = Object.keys(inputs);
        throw invalid(
          file,
          bodyStart + index,
          `{{${input}}} names no input (${known.length > 0 ? `inputs: ${known.join(', ')}` : 'the playbook declares none'}); declare it under inputs`,
        );
      }
    }
  });
  return {
    name,
    description: front.description,
    inputs,
    ...(front.model === undefined ? {} : { model: front.model }),
    ...(front.attempts === undefined ? {} : { attempts: front.attempts }),
    ...(front.checks === undefined ? {} : { checks: [...new Set(front.checks)] }),
    body,
  };
}

/**
 * The inputs a run uses: the given ones, then defaults; an input the playbook does not declare, or a
 * required one with no value and no default, is a `BadInputError` naming the `inputs` field and listing
 * what the playbook takes. An optional input with neither is empty. Pure.
 */
export function resolveInputs(
  playbook: Pick<Playbook, 'name' | 'inputs'>,
  given: Readonly<Record<string, string>>,
): Record<string, string> {
  const unknown = Object.keys(given).filter((input) => !Object.hasOwn(playbook.inputs, input));
  if (unknown.length > 0) {
    const text = `${playbook.name} has no input ${unknown.map((input) => `"${input}"`).join(', ')}; ${describeInputs(playbook)}`;
    throw new BadInputError('unknown_playbook_input', `Playbook ${text}.`, {
      details: { fields: { inputs: text } },
    });
  }
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const [input, spec] of Object.entries(playbook.inputs)) {
    const value = Object.hasOwn(given, input) ? given[input]! : undefined;
    if (value !== undefined && value.trim() !== '') values[input] = value;
    else if (spec.default !== undefined) values[input] = spec.default;
    else if (spec.required) missing.push(input);
    else values[input] = '';
  }
  if (missing.length > 0) {
    const text = `${playbook.name} needs ${missing.map((input) => `"${input}"`).join(', ')}; ${describeInputs(playbook)}`;
    throw new BadInputError('missing_playbook_input', `Playbook ${text}.`, {
      details: { fields: { inputs: text } },
    });
  }
  return values;
}

/** `inputs: package (required: the npm package), version (default "latest": ...)`. Pure. */
export function describeInputs(playbook: Pick<Playbook, 'inputs'>): string {
  const entries = Object.entries(playbook.inputs);
  if (entries.length === 0) return 'it takes no inputs';
  const each = entries.map(([input, spec]) => {
    const how = spec.required
      ? 'required'
      : spec.default === undefined
        ? 'optional'
        : `default "${spec.default}"`;
    return `${input} (${how}: ${spec.description})`;
  });
  return `its inputs: ${each.join(', ')}`;
}

/** A playbook with its inputs filled in: the session's task and the agent's initial plan. */
export interface RenderedPlaybook {
  task: string;
  /** The body's top-level list items, in order: the agent's initial todo list. */
  steps: string[];
}

const MAX_STEP_CHARS = 500;
const MAX_STEPS = 50;

/** Fills the placeholders with `inputs` (resolved) and makes the task and the plan. Pure. */
export function renderPlaybook(
  playbook: Playbook,
  inputs: Readonly<Record<string, string>>,
): RenderedPlaybook {
  const body = playbook.body.replace(PLACEHOLDER, (_, input: string) => inputs[input] ?? '');
  const steps = stepsOf(body);
  const given = Object.entries(inputs).filter(([, value]) => value !== '');
  const lines = [`Playbook ${playbook.name}: ${playbook.description}`];
  if (given.length > 0)
    lines.push('', `Inputs: ${given.map(([input, value]) => `${input}=${value}`).join(', ')}`);
  lines.push('', body);
  if (playbook.checks) {
    lines.push(
      '',
      `Before you finish, run these checks with run_checks and make them pass: ${playbook.checks.join(', ')}.`,
    );
  }
  if (steps.length > 0) {
    lines.push(
      '',
      'These steps are your plan, already written to your todo list: work through them in order, keeping it up to date.',
    );
  }
  return { task: lines.join('\n'), steps };
}

const LIST_ITEM = /^(?:[-*+]|\d{1,3}[.)])\s+(.*)$/;

/** The text of each top-level list item (a line starting at column 0), first line only. Pure. */
export function stepsOf(body: string): string[] {
  const steps: string[] = [];
  let fenced = false;
  for (const line of body.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (fenced) continue;
    const match = LIST_ITEM.exec(line);
    const text = match?.[1]?.trim();
    if (!text) continue;
    steps.push(text.length > MAX_STEP_CHARS ? `${text.slice(0, MAX_STEP_CHARS - 1)}…` : text);
  }
  return steps.slice(0, MAX_STEPS);
}

/** `@drydock dep-bump package=lodash` read as a playbook call: a name, then `key=value` words only. */
export interface PlaybookCall {
  name: string;
  inputs: Record<string, string>;
}

/**
 * Reads a mention's text as a playbook call when it can be one: a playbook-like first word and nothing
 * after it but `key=value` (a value may be quoted: `title="two words"`). Null otherwise, and the text is
 * an ordinary task; so is a call whose name no playbook has (the caller decides). Pure.
 */
export function parsePlaybookCall(text: string): PlaybookCall | null {
  const normalized = text.trim().replace(/[“”]/g, '"');
  const first = /^(\S+)(?:\s+|$)/.exec(normalized);
  if (!first || !PLAYBOOK_NAME.test(first[1]!)) return null;
  let rest = normalized.slice(first[0].length);
  const inputs: Record<string, string> = {};
  while (rest !== '') {
    const pair = /^([A-Za-z_][A-Za-z0-9_-]*)=(?:"([^"]*)"|(\S*))(?:\s+|$)/.exec(rest);
    if (!pair) return null;
    inputs[pair[1]!] = pair[2] ?? pair[3] ?? '';
    rest = rest.slice(pair[0].length);
  }
  return { name: first[1]!, inputs };
}

/** `--input k=v` flags as inputs; a flag without `=` is a BadInputError. Pure. */
export function inputsFromPairs(pairs: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at === -1 ? '' : pair.slice(0, at).trim();
    if (!INPUT_NAME.test(key)) {
      throw new BadInputError(
        'unknown_playbook_input',
        `--input ${pair}: expected name=value, e.g. --input package=lodash.`,
        { details: { fields: { inputs: `expected name=value, not "${pair}"` } } },
      );
    }
    inputs[key] = pair.slice(at + 1);
  }
  return inputs;
}

function invalid(file: string, line: number | undefined, message: string): BadInputError {
  const at = line === undefined ? file : `${file} line ${line}`;
  return new BadInputError('invalid_playbook', `${at}: ${message}. See docs/playbooks.md for the format.`, {
    details: { file, ...(line === undefined ? {} : { line }) },
  });
}
