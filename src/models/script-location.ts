import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { BadInputError } from '../core/errors.ts';

export interface ScriptLocationOptions {
  /** Relative `script:` paths resolve against it (the local CLI). */
  cwd: string;
  /**
   * On a server: the one directory `script:<name>` files are read from. Names must be relative, without
   * `.`-segments (so no `..`), and the real file (links resolved) must lie inside it.
   */
  scriptsDir?: string;
}

/** Each segment a plain name that does not start with a dot: no `.`, `..`, hidden files, or empty segments. */
const SCRIPT_NAME = /^[\w-][\w.-]*(?:\/[\w-][\w.-]*)*$/;

/** Why `name` cannot name a file in a server's scripts directory, or null. Pure. */
export function scriptNameProblem(name: string): string | null {
  if (name.length > 255 || !SCRIPT_NAME.test(name)) {
    return 'on this server script:<name> names a file in its scripts directory: a relative name such as fix-tests.json, without "..", hidden segments or an absolute path';
  }
  return null;
}

function notAllowed(problem: string): BadInputError {
  return new BadInputError('script_path_not_allowed', `script: ${problem}.`, {
    details: { fields: { model: problem } },
  });
}

/**
 * Where a `script:<modelId>` file is. Locally any path (relative to `cwd`); with `scriptsDir` only a file
 * inside it. Throws BadInputError `script_path_not_allowed` or `unknown_script`; no message names the
 * scripts directory or where a link points.
 */
export function locateScript(
  modelId: string,
  options: ScriptLocationOptions,
): { path: string; source: string } {
  const { scriptsDir } = options;
  if (scriptsDir === undefined) {
    const path = isAbsolute(modelId) ? modelId : resolve(options.cwd, modelId);
    return { path, source: path };
  }
  const problem = scriptNameProblem(modelId);
  if (problem) throw notAllowed(problem);
  const unknown = () =>
    new BadInputError(
      'unknown_script',
      `No script "${modelId}" in the server's scripts directory; an admin puts script files there.`,
      { details: { fields: { model: 'no such script on this server' } } },
    );
  let real: string;
  let realDir: string;
  try {
    realDir = realpathSync(scriptsDir);
    real = realpathSync(join(scriptsDir, modelId));
  } catch {
    throw unknown();
  }
  if (!real.startsWith(realDir.endsWith(sep) ? realDir : `${realDir}${sep}`)) {
    throw notAllowed(`"${modelId}" leads out of the server's scripts directory`);
  }
  if (!statSync(real, { throwIfNoEntry: false })?.isFile()) throw unknown();
  return { path: real, source: modelId };
}
