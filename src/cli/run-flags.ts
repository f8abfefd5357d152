import { BadInputError } from '../core/errors.ts';
import { inputsFromPairs } from '../core/playbook.ts';
import type { BudgetFlags } from './budget-flags.ts';

/** `drydock run`'s options as commander parses them. */
export type RunOptions = {
  repo: string;
  ref: string;
  model?: string;
  friendModel?: string;
  reasoning?: string;
  sandbox?: string;
  disk?: string;
  allowHost: string[];
  manager?: boolean;
  maxChildren?: string;
  attempts?: string;
  models?: string;
  playbook?: string;
  input: string[];
} & BudgetFlags;

export const ATTEMPTS_HELP =
  'best of N: run the task N times (2 to 8) with the model, in parallel, and deliver the attempt the gate and the review (and on a tie a judge) choose (docs/attempts.md)';
export const MODELS_HELP =
  'best of N with one attempt per model spec, comma-separated (any providers); the first is the judge unless --model is given';

/** `--attempts N` or `--models a,b` as a request's fields; both together are refused by createSession. */
export function attemptsFromFlags(options: { attempts?: string; models?: string }): {
  attempts?: number;
  models?: string[];
} {
  return {
    ...(options.attempts === undefined ? {} : { attempts: Number(options.attempts) }),
    ...(options.models === undefined ? {} : { models: options.models.split(',').map((spec) => spec.trim()) }),
  };
}

/** `--playbook NAME --input k=v ...` as a request's playbook; inputs without a playbook are refused. */
export function playbookFromFlags(options: {
  playbook?: string;
  input: string[];
}): { name: string; inputs: Record<string, string> } | undefined {
  if (options.playbook === undefined) {
    if (options.input.length > 0) {
      throw new BadInputError('unknown_playbook_input', '--input is for a playbook: add --playbook <name>.');
    }
    return undefined;
  }
  return { name: options.playbook.trim(), inputs: inputsFromPairs(options.input) };
}
