import type { LanguageModelV3 } from '@ai-sdk/provider';
import { BadInputError } from '../core/errors.ts';
import { MODEL_ROLES, type ModelRole, type ModelRouter, type ResolvedModel } from '../core/ports/models.ts';
import { lookupModelInfo } from './catalog.ts';
import { formatModelSpec, parseModelSpec } from './model-spec.ts';
import { loadPriceOverrides } from './price-overrides.ts';
import { createLanguageModel, type ModelEnv, resolveScript } from './providers.ts';
import { type ReasoningSettings, reasoningProviderOptions } from './reasoning.ts';
import type { Script } from './script-file.ts';
import { createScriptedModel } from './scripted-model.ts';

/** The model when neither `--model` nor `DRYDOCK_MODEL` names one. */
export const DEFAULT_MODEL_SPEC = 'anthropic:claude-sonnet-4-5';

export interface ModelRouterOptions {
  /** The spec for every role not named in `roles`. */
  default: string;
  roles?: Partial<Record<ModelRole, string>>;
  env: ModelEnv;
  /** Relative `script:` paths resolve against it. */
  cwd: string;
  /**
   * On a server: `script:<name>` files are read only from this directory (no absolute paths, no `..`, no
   * links out of it). Without it (the local CLI) any path works.
   */
  scriptsDir?: string;
  /** In-memory scripts by name (tests, the built-in demo): `script:<name>` uses them before files. */
  scripts?: Readonly<Record<string, Script>>;
  /** The reasoning each role asks for (`reasoningFromEnv`); absent: each provider's default. */
  reasoning?: ReasoningSettings;
}

/** The `--model` flag, else `DRYDOCK_MODEL`, else {@link DEFAULT_MODEL_SPEC}. Blank values count as unset. */
export function modelSpecFromEnv(flag: string | undefined, env: ModelEnv): string {
  for (const candidate of [flag, env.DRYDOCK_MODEL]) {
    const value = candidate?.trim();
    if (value !== undefined && value !== '') return value;
  }
  return DEFAULT_MODEL_SPEC;
}

/**
 * The smart friend's spec: the `--friend-model` flag, else `DRYDOCK_FRIEND_MODEL`; undefined (no friend)
 * when neither names one. Blank values count as unset.
 */
export function friendSpecFromEnv(flag: string | undefined, env: ModelEnv): string | undefined {
  for (const candidate of [flag, env.DRYDOCK_FRIEND_MODEL]) {
    const value = candidate?.trim();
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/**
 * Resolves all five roles now, so a bad spec, a missing key, an invalid script or an unreadable
 * `DRYDOCK_MODEL_PRICES` file fails before any session starts. Roles with the same spec share one model, except scripts keyed by role: each role
 * replays its own list. A script that is a plain array is one sequence shared by every role that
 * uses it, consumed in call order across roles.
 */
export function createModelRouter(options: ModelRouterOptions): ModelRouter {
  const models = new Map<string, LanguageModelV3>();
  const scripts = new Map<string, { script: Script; source: string }>();
  const resolved = new Map<ModelRole, ResolvedModel>();
  const overrides = loadPriceOverrides(options.env);

  for (const role of MODEL_ROLES) {
    const spec = parseModelSpec(options.roles?.[role] ?? options.default);
    const key = formatModelSpec(spec);
    let model = models.get(key);
    if (spec.provider === 'script') {
      let loaded = scripts.get(spec.modelId);
      if (loaded === undefined) {
        loaded = resolveScript(spec.modelId, options);
        scripts.set(spec.modelId, loaded);
      }
      const { script, source } = loaded;
      if (!Array.isArray(script)) {
        model = createScriptedModel(script[role] ?? [], { modelId: `${source}#${role}` });
      } else if (model === undefined) {
        model = createScriptedModel(script, { modelId: source });
        models.set(key, model);
      }
    } else if (model === undefined) {
      model = createLanguageModel(spec, options);
      models.set(key, model);
    }
    const info = lookupModelInfo(spec, overrides);
    const effort = options.reasoning?.roles?.[role] ?? options.reasoning?.default;
    const providerOptions =
      effort === undefined ? undefined : reasoningProviderOptions(spec, effort, info.maxOutputTokens);
    resolved.set(role, {
      spec: key,
      model,
      ...info,
      ...(effort === undefined ? {} : { reasoning: effort }),
      ...(providerOptions === undefined ? {} : { providerOptions }),
    });
  }

  return {
    resolve(role) {
      const model = resolved.get(role);
      if (model === undefined) {
        throw new BadInputError(
          'unknown_role',
          `Unknown model role "${role}". Roles: ${MODEL_ROLES.join(', ')}.`,
        );
      }
      return model;
    },
  };
}
