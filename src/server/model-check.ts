import { BadInputError } from '../core/errors.ts';
import { parseModelSpec } from '../models/model-spec.ts';
import { scriptNameProblem } from '../models/script-location.ts';
import type { ServerDeps } from './server-deps.ts';

/**
 * What the API accepts as a model (a session's, a hook's, a schedule's, a Slack channel's): a known
 * `provider:model`; `script:` only with --allow-script-models, and then only a plain name, a built-in
 * script or a file in the server's scripts directory (the models the server wires read from there alone,
 * links included). Throws BadInputError with a `model` field error.
 */
export function checkModel(deps: Pick<ServerDeps, 'allowScriptModels'>, model: string): void {
  const spec = parseModelSpec(model);
  if (spec.provider !== 'script') return;
  if (!deps.allowScriptModels) {
    throw new BadInputError(
      'script_models_disabled',
      'script: models read a file on the server; start the server with --allow-script-models to accept them.',
      { details: { fields: { model: 'script: models are disabled on this server' } } },
    );
  }
  const problem = scriptNameProblem(spec.modelId);
  if (problem) {
    throw new BadInputError('script_path_not_allowed', `script: ${problem}.`, {
      details: { fields: { model: problem } },
    });
  }
}
