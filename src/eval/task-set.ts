import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { type BadInputCode, BadInputError, type DrydockError, isBadInput } from '../core/errors.ts';
import { detectTaskFormat, type EvalTask, TASK_SCHEMAS } from './task-formats.ts';

export type { EvalTask, TaskSource } from './task-formats.ts';
export { TASK_SOURCES } from './task-formats.ts';

/** The code of every task-set error: the file, the line and the field are in the message and details. */
export const INVALID_TASK_SET = 'invalid_task_set' satisfies BadInputCode;

export function isInvalidTaskSet(error: unknown): error is DrydockError {
  return isBadInput(error, INVALID_TASK_SET);
}

function invalid(file: string, line: number | null, field: string | null, problem: string): BadInputError {
  const where = line === null ? file : `${file} line ${line}`;
  return new BadInputError(INVALID_TASK_SET, `${where}: ${field ? `${field} ` : ''}${problem}`, {
    details: { file, line, field },
  });
}

/**
 * Reads a task file: JSONL, one instance per line in SWE-bench, Multi-SWE-bench or SWE-PolyBench form
 * (detected per line), blank lines ignored. Throws BadInputError `invalid_task_set` naming the file, the
 * line and the field (never quoting a field's content) for a line that is not a valid instance, a
 * duplicate instance id, a file that cannot be read or that holds no instance.
 */
export async function readTaskSet(path: string): Promise<EvalTask[]> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'no such file. Pass the path of a JSONL task file (SWE-bench format), or --builtin.'
        : code === 'EISDIR'
          ? 'is a directory. Pass the path of a JSONL task file.'
          : `cannot be read (${code ?? String(error)}).`;
    throw new BadInputError(INVALID_TASK_SET, `${file}: ${problem}`, { cause: error, details: { file } });
  }
  return parseTaskSet(text, file);
}

/** Parses a task file's text; `file` names it in errors. See readTaskSet. Pure. */
export function parseTaskSet(text: string, file: string): EvalTask[] {
  const tasks: EvalTask[] = [];
  const lineOf = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [index, source] of lines.entries()) {
    if (source.trim() === '') continue;
    const line = index + 1;
    const task = parseTaskLine(source, file, line);
    const first = lineOf.get(task.instanceId);
    if (first !== undefined) {
      throw invalid(
        file,
        line,
        'instance_id',
        `"${task.instanceId}" is on line ${first} already: ids must be unique`,
      );
    }
    lineOf.set(task.instanceId, line);
    tasks.push(task);
  }
  if (tasks.length === 0) throw invalid(file, null, null, 'holds no instance (one JSON object per line).');
  return tasks;
}

function parseTaskLine(source: string, file: string, line: number): EvalTask {
  let row: unknown;
  try {
    row = JSON.parse(source);
  } catch {
    // JSON.parse's message quotes the text around the error: say where, not what.
    throw invalid(file, line, null, 'is not valid JSON (one instance per line, as a JSON object).');
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw invalid(file, line, null, 'is not a JSON object (one instance per line).');
  }
  const format = detectTaskFormat(row as Record<string, unknown>);
  const parsed = TASK_SCHEMAS[format].safeParse(row);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue ? fieldName(issue.path) : null;
  const label = format === 'swe-bench' ? '' : ` (${format} format)`;
  throw invalid(file, line, field, `${issue?.message ?? 'is invalid'}${label}.`);
}

/** `base.sha`, `resolved_issues[0].title`. */
function fieldName(path: z.core.$ZodIssue['path']): string | null {
  let name = '';
  for (const key of path) {
    if (typeof key === 'number') name += `[${key}]`;
    else if (typeof key === 'string') name += name === '' ? key : `.${key}`;
  }
  return name === '' ? null : name;
}

export interface TaskSelection {
  /** Keeps the instances whose id it matches (anywhere in the id, as RegExp.test does). */
  filter: RegExp | null;
  /** At most this many, in file order, after the filter. */
  limit: number | null;
}

/** The instances a run takes: the filter on instance ids, then the limit. Pure. */
export function selectTasks(tasks: readonly EvalTask[], selection: TaskSelection): EvalTask[] {
  // A global or sticky RegExp keeps state between test() calls; a copy without those flags does not.
  const filter =
    selection.filter && new RegExp(selection.filter.source, selection.filter.flags.replace(/[gy]/g, ''));
  const kept = filter ? tasks.filter((task) => filter.test(task.instanceId)) : [...tasks];
  return selection.limit === null ? kept : kept.slice(0, Math.max(0, selection.limit));
}
