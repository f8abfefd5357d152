import { BadInputError } from '../core/errors.ts';
import { parseModelSpec } from '../models/model-spec.ts';
import { scriptNameProblem } from '../models/script-location.ts';
import type { ServerDeps } from './server-deps.ts';

/**
 * What the API accepts as a model (a session's, a hook's, a schedule's, a Slack channel's): a known
 * `provider:model`; `script:` only with --allow-script-models, and then only a plain name, a built-in
 * script or a file in the server's scripts directory (the models the server wires read from there alone,
 * links included). Throws BadInputError with a field error (`model`, or the field it came in: a friend's
 * model, an attempt's in `models`).
 */
export function checkModel(
  deps: Pick<ServerDeps, 'allowScriptModels'>,
  model: string,
  field: 'model' | 'friendModel' | 'models' | 'playbook' = 'model',
): void {
  let spec: ReturnType<typeof parseModelSpec>;
  try {
    spec = parseModelSpec(model);
  } catch (error) {
    // Named by the field it came in, so a form shows it there (a friend's model is not the model).
    if (!(error instanceof BadInputError)) throw error;
    throw new BadInputError(error.code, error.message, {
      cause: error.cause,
      details: { ...error.details, fields: { [field]: error.message } },
    });
  }
  if (spec.provider !== 'script') return;
  if (!deps.allowScriptModels) {
    throw new BadInputError(
      'script_models_disabled',
      'script: models read a file on the server; start the server with --allow-script-models to accept them.',
      { details: { fields: { [field]: 'script: models are disabled on this server' } } },
    );
  }
  const problem = scriptNameProblem(spec.modelId);
  if (problem) {
    throw new BadInputError('script_path_not_allowed', `script: ${problem}.`, {
      details: { fields: { [field]: problem } },
    });
  }
}
