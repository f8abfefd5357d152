import { BUILTIN_INSTANCES, BUILTIN_REPOS } from './builtin-instances.ts';
import { type GeneratedTaskSet, generateTaskSet } from './generate-task-set.ts';

export type { GeneratedTaskSet, TaskRunner } from './generate-task-set.ts';

/**
 * The built-in task set (`drydock eval --builtin`) in `dir`: three node:test repositories with no
 * dependencies and six instances (off by one, wrong comparison, missing edge case, string formatting,
 * async, and a fix whose obvious version breaks a hidden PASS_TO_PASS test), offline. Deterministic.
 */
export function generateBuiltinTaskSet(dir: string): Promise<GeneratedTaskSet> {
  return generateTaskSet(dir, { repos: BUILTIN_REPOS, instances: BUILTIN_INSTANCES, runner: 'node-test' });
}

/**
 * A task set whose repository's tests run on mocha, a runner from the npm registry (a devDependency
 * with a committed package-lock.json: its setup installs from the registry). The `textkit` repository
 * and its two instances, one of them the regression trap (`carelessPatches`). For tests of the harness
 * with a real runner.
 */
export function generateMochaTaskSet(dir: string): Promise<GeneratedTaskSet> {
  const repos = BUILTIN_REPOS.filter((repo) => repo.name === 'textkit');
  const instances = BUILTIN_INSTANCES.filter((instance) => instance.repo === 'textkit');
  return generateTaskSet(dir, { repos, instances, runner: 'mocha' });
}

/** Writes the built-in task set into `dir` (see generateBuiltinTaskSet) and returns its task file. */
export async function writeBuiltinTaskSet(dir: string): Promise<string> {
  return (await generateBuiltinTaskSet(dir)).tasksFile;
}
