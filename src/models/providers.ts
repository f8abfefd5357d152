import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { BadInputError } from '../core/errors.ts';
import type { ModelRole } from '../core/ports/models.ts';
import { formatModelSpec, type ModelSpec, parseModelSpec } from './model-spec.ts';
import { loadScript, type Script, turnsForRole } from './script-file.ts';
import { locateScript } from './script-location.ts';
import { createScriptedModel } from './scripted-model.ts';

/** Environment variables as read by the model layer; `process.env` fits, tests pass their own. */
export type ModelEnv = Readonly<Record<string, string | undefined>>;

export interface CreateLanguageModelOptions {
  env: ModelEnv;
  /** Relative `script:` paths resolve against it. */
  cwd: string;
  /** On a server: the one directory script files are read from (see script-location.ts). */
  scriptsDir?: string;
  /** Which turn list of a script keyed by role to replay (default `coder`). */
  role?: ModelRole;
  /** In-memory scripts by name: `script:<name>` uses one of these before looking for a file. */
  scripts?: Readonly<Record<string, Script>>;
}

// Passed explicitly: left undefined, the SDKs fall back to process.env (ANTHROPIC_BASE_URL,
// OPENAI_BASE_URL), and the env object given to us would no longer be the whole truth.
const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

function requireSetting(
  env: ModelEnv,
  name: string,
  spec: ModelSpec,
  code: 'missing_api_key' | 'missing_base_url',
  example: string,
): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') {
    throw new BadInputError(
      code,
      `${formatModelSpec(spec)} needs ${name}: export ${name}=${example} (or choose another model with --model)`,
      { details: { spec: formatModelSpec(spec), variable: name } },
    );
  }
  return value;
}

function optionalSetting(env: ModelEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Checked now: a URL without a scheme would otherwise only fail, obscurely, at the first request. */
function checkBaseUrl(value: string, name: string): string {
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // Reported below.
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new BadInputError(
      'invalid_base_url',
      `${name} must be an http(s) URL such as http://localhost:11434/v1, not "${value}"`,
      { details: { variable: name, value } },
    );
  }
  return value;
}

function optionalBaseUrl(env: ModelEnv, name: string): string | undefined {
  const value = optionalSetting(env, name);
  return value === undefined ? undefined : checkBaseUrl(value, name);
}

/**
 * A script by in-memory name, else the file at `modelId`: relative to `cwd`, or only inside `scriptsDir`
 * when one is given (a server).
 */
export function resolveScript(
  modelId: string,
  options: Pick<CreateLanguageModelOptions, 'cwd' | 'scripts' | 'scriptsDir'>,
): { script: Script; source: string } {
  const inMemory = options.scripts?.[modelId];
  if (inMemory !== undefined) return { script: inMemory, source: modelId };
  const { path, source } = locateScript(modelId, {
    cwd: options.cwd,
    ...(options.scriptsDir !== undefined ? { scriptsDir: options.scriptsDir } : {}),
  });
  return { script: loadScript(path, source), source };
}

/**
 * The AI SDK model for a `provider:model` spec. Keys come from `options.env` only and are checked
 * here, so a missing one fails now (`BadInputError` `missing_api_key`, or `missing_base_url` for
 * openai-compatible; `invalid_base_url` for a base URL that is not http(s)) rather than on the first
 * request. Script files are read and validated here too (`invalid_script`).
 */
export function createLanguageModel(
  spec: string | ModelSpec,
  options: CreateLanguageModelOptions,
): LanguageModelV3 {
  const parsed = typeof spec === 'string' ? parseModelSpec(spec) : spec;
  const { env } = options;
  switch (parsed.provider) {
    case 'anthropic':
      return createAnthropic({
        apiKey: requireSetting(env, 'ANTHROPIC_API_KEY', parsed, 'missing_api_key', '…'),
        baseURL: optionalBaseUrl(env, 'ANTHROPIC_BASE_URL') ?? ANTHROPIC_DEFAULT_BASE_URL,
      })(parsed.modelId);
    case 'openai':
      // `provider(modelId)` gives the Responses API (POST /responses) in @ai-sdk/openai 3.x.
      return createOpenAI({
        apiKey: requireSetting(env, 'OPENAI_API_KEY', parsed, 'missing_api_key', '…'),
        baseURL: optionalBaseUrl(env, 'OPENAI_BASE_URL') ?? OPENAI_DEFAULT_BASE_URL,
      })(parsed.modelId);
    case 'openai-compatible': {
      const name = 'DRYDOCK_OPENAI_BASE_URL';
      const baseURL = requireSetting(env, name, parsed, 'missing_base_url', 'http://localhost:11434/v1');
      // Chat Completions (POST /chat/completions): what vLLM, Ollama and llama.cpp all serve.
      return createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: checkBaseUrl(baseURL, name),
        apiKey: optionalSetting(env, 'DRYDOCK_OPENAI_API_KEY'),
        // Token counts in streamed answers too: budgets and compaction need them.
        includeUsage: true,
      })(parsed.modelId);
    }
    case 'script': {
      const { script, source } = resolveScript(parsed.modelId, options);
      return createScriptedModel(turnsForRole(script, options.role ?? 'coder'), { modelId: source });
    }
  }
}
