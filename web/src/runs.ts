import type { NewSessionInput } from './types.ts';

/** Attempts a session may run, as the API takes them (docs/attempts.md). */
export const MAX_ATTEMPTS = 8;

/** How the new-task form says a session runs: once, best of N (the same model, or one per model), as a manager. */
export interface RunsValues {
  /** As typed; '' or 1 is one run. */
  attempts: string;
  models: string[];
  manager: boolean;
}

export const ONE_RUN: RunsValues = { attempts: '1', models: [], manager: false };

/**
 * What the form sends for its runs fields, or each field's problem: the API's contract checked before
 * sending (`attempts` 2 to 8, `models` 2 to 8, not both), so the common mistakes show at once; the API
 * answers the rest the same way, under the same fields. Pure.
 */
export function runsRequest(values: RunsValues): {
  input: Pick<NewSessionInput, 'attempts' | 'models' | 'mode'>;
  errors: Record<string, string>;
} {
  const input: Pick<NewSessionInput, 'attempts' | 'models' | 'mode'> = {};
  const errors: Record<string, string> = {};
  const typed = values.attempts.trim();
  const attempts = typed === '' ? 1 : Number(typed);
  if (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_ATTEMPTS) {
    errors.attempts = `a whole number from 1 to ${MAX_ATTEMPTS}`;
  } else if (attempts > 1) {
    input.attempts = attempts;
  }
  const models = values.models;
  if (models.length > 0) {
    if (input.attempts !== undefined) {
      errors.models = 'attempts or models, not both: several attempts of one model, or one attempt per model';
    } else if (models.length === 1) {
      errors.models = 'name two or more (one model alone: choose it under Model)';
    } else if (models.length > MAX_ATTEMPTS) {
      errors.models = `at most ${MAX_ATTEMPTS}, one attempt each`;
    } else {
      input.models = [...models];
    }
  }
  if (values.manager) input.mode = 'manager';
  return { input, errors };
}

/** The form field an API field error belongs to: `models.1` (one model of the list) is `models`. Pure. */
export function formField(key: string): string {
  return key.split('.', 1)[0] ?? key;
}
