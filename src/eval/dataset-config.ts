import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { REPO_CONFIG_PATH } from '../environments/repo-config.ts';
import { git, tryGit } from '../forge/git.ts';
import type { EvalTask } from './task-set.ts';

/**
 * The author, committer and date of the commits the harness makes (the built-in task set's, a dataset
 * config's): fixed, so the same input gives the same commit on every machine, run and resume.
 */
export const FIXED_COMMIT_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: 'drydock eval',
  GIT_AUTHOR_EMAIL: 'eval@drydock.invalid',
  GIT_AUTHOR_DATE: '@1735689600 +0000',
  GIT_COMMITTER_NAME: 'drydock eval',
  GIT_COMMITTER_EMAIL: 'eval@drydock.invalid',
  GIT_COMMITTER_DATE: '@1735689600 +0000',
};

/**
 * `.drydock/config.yaml` with the dataset's `setup` and `test_command` (drydock's extensions of the task
 * format) over what the repository's own config says, if it has one. Null when the task gives neither.
 * Pure.
 */
export function datasetConfig(
  task: Pick<EvalTask, 'setup' | 'testCommand'>,
  existing: string | null,
): string | null {
  if (!task.setup?.length && !task.testCommand) return null;
  const document = parseDocument(existing ?? '');
  if (document.errors.length > 0 || (document.contents !== null && !isMap(document.contents))) {
    // A config the session would refuse anyway: the dataset's settings replace it.
    return datasetConfig(task, null);
  }
  if (task.setup?.length) document.set('setup', [...task.setup]);
  if (task.testCommand) document.setIn(['checks', 'test'], task.testCommand);
  return String(document);
}

/**
 * Where an instance's session starts: `base_commit`, or when the dataset gives setup or a test
 * command, a commit on top of it (in the scratch clone, by git plumbing: no checkout, nothing of the
 * repository runs) whose only change is `.drydock/config.yaml` saying so, so the session's
 * environment, its gate and the grading use what the dataset says, as any session uses a repository's
 * config. Deterministic: a resume finds the same commit.
 */
export async function sessionStart(repoPath: string, task: EvalTask): Promise<string> {
  const existing = await tryGit(['show', `${task.baseCommit}:${REPO_CONFIG_PATH}`], { cwd: repoPath });
  const config = datasetConfig(task, existing);
  if (config === null) return task.baseCommit;
  const dir = await mkdtemp(join(tmpdir(), 'drydock-eval-config-'));
  try {
    const file = join(dir, 'config.yaml');
    await writeFile(file, config);
    const env = { ...FIXED_COMMIT_ENV, GIT_INDEX_FILE: join(dir, 'index') };
    const run = (args: string[]) => git(args, { cwd: repoPath, env }).then((out) => out.trim());
    const blob = await run(['hash-object', '-w', '--no-filters', file]);
    await run(['read-tree', task.baseCommit]);
    await run(['update-index', '--add', '--cacheinfo', `100644,${blob},${REPO_CONFIG_PATH}`]);
    const tree = await run(['write-tree']);
    const commit = await run([
      'commit-tree',
      tree,
      '-p',
      task.baseCommit,
      '-m',
      `drydock eval: the dataset's setup and test command for ${task.instanceId}`,
    ]);
    // A ref keeps it from garbage collection between a kill and the resume.
    await run(['update-ref', `refs/drydock-eval/config/${commit}`, commit]);
    return commit;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
