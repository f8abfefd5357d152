import { BadInputError } from '../../core/errors.ts';
import type { SessionDeps } from '../session-deps.ts';

/** Attempts one session may run: at least two (one is a plain session), at most this many. */
export const MIN_ATTEMPTS = 2;
export const MAX_ATTEMPTS = 8;

export interface AttemptsRequest {
  /** The session's model this many times. */
  attempts?: number | undefined;
  /** One attempt per model spec (any mix of providers). */
  models?: readonly string[] | undefined;
}

/**
 * The model spec of each attempt a request asks for, every one resolved now (a bad spec or a missing key
 * fails before anything is written); undefined when it asks for none (a plain session). Throws
 * BadInputError `bad_attempts` (or the model's own error) naming its field (`attempts`, `models`), so a
 * form shows it there.
 */
export function planAttempts(
  deps: Pick<SessionDeps, 'models'>,
  model: string,
  request: AttemptsRequest,
): string[] | undefined {
  const { attempts, models } = request;
  if (attempts !== undefined && models !== undefined) {
    const text = 'give either a number of attempts or a list of models, not both';
    throw new BadInputError('bad_attempts', `Attempts: ${text} (--attempts N runs the one model N times).`, {
      details: { fields: { attempts: text, models: text } },
    });
  }
  if (attempts !== undefined) {
    if (!Number.isInteger(attempts) || attempts < MIN_ATTEMPTS || attempts > MAX_ATTEMPTS) {
      const text = `between ${MIN_ATTEMPTS} and ${MAX_ATTEMPTS} attempts`;
      throw new BadInputError('bad_attempts', `Attempts: ${attempts} is not ${text}.`, {
        details: { fields: { attempts: text } },
      });
    }
    return Array.from({ length: attempts }, () => model);
  }
  if (models === undefined) return undefined;
  const specs = models.map((spec) => spec.trim()).filter((spec) => spec !== '');
  if (specs.length < MIN_ATTEMPTS || specs.length > MAX_ATTEMPTS) {
    const text = `between ${MIN_ATTEMPTS} and ${MAX_ATTEMPTS} model specs, one per attempt`;
    throw new BadInputError('bad_attempts', `Attempts: ${specs.length} models given; give ${text}.`, {
      details: { fields: { models: text } },
    });
  }
  for (const spec of specs) {
    try {
      deps.models(spec);
    } catch (error) {
      if (!(error instanceof BadInputError)) throw error;
      throw new BadInputError(error.code, `The attempt model ${spec}: ${error.message}`, {
        cause: error,
        details: { ...error.details, fields: { models: `${spec}: ${error.message}` } },
      });
    }
  }
  return specs;
}
