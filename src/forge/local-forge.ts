import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ForgeError } from '../core/errors.ts';
import type { CheckRun, Forge, ForgeComment, PullRequest } from '../core/ports/forge.ts';
import { tryGit } from './git.ts';
import { pushBranch, syncClone } from './remote-git.ts';

interface LocalForgeState {
  nextNumber: number;
  pulls: Array<PullRequest & { repo: string }>;
  comments: Array<ForgeComment & { repo: string; number: number }>;
}

/**
 * The embedded forge: a repository is a local path (a bare repository or a working one) that acts as
 * the remote. A "pull request" is the pushed branch plus its description, kept with comments in
 * `<stateDir>/local-forge.json`. Everyone who can reach the path has write access.
 */
export function createLocalForge(options: { stateDir: string }): Forge {
  const file = join(options.stateDir, 'local-forge.json');
  let chain: Promise<unknown> = Promise.resolve();

  async function load(): Promise<LocalForgeState> {
    const text = await readFile(file, 'utf8').catch(() => null);
    return text ? (JSON.parse(text) as LocalForgeState) : { nextNumber: 1, pulls: [], comments: [] };
  }
  /** Serialises read-modify-write of the state file within this process. */
  function update<T>(change: (state: LocalForgeState) => T): Promise<T> {
    const next = chain.then(async () => {
      const state = await load();
      const result = change(state);
      await mkdir(options.stateDir, { recursive: true });
      await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2));
      await rename(`${file}.tmp`, file);
      return result;
    });
    chain = next.catch(() => {});
    return next;
  }
  const url = (repo: string, number: number) => `file://${resolve(repo)}#${number}`;

  return {
    kind: 'local',

    async sync(repo, dir) {
      await syncClone(repo, { url: resolve(repo) }, dir);
      const head = await tryGit(['symbolic-ref', '--short', 'HEAD'], { cwd: dir });
      return { defaultBranch: head?.trim() || 'main' };
    },

    push: (repo, push) => pushBranch(repo, { url: resolve(repo) }, push),

    openOrUpdatePullRequest(repo, request) {
      return update((state) => {
        const open = state.pulls.find((pull) => pull.repo === repo && pull.branch === request.branch);
        if (open) {
          Object.assign(open, { title: request.title, body: request.body });
          const { repo: _, ...pull } = open;
          return pull;
        }
        const number = state.nextNumber++;
        const pull: PullRequest = {
          number,
          url: url(repo, number),
          branch: request.branch,
          base: request.base,
          title: request.title,
          body: request.body,
          draft: request.draft ?? false,
        };
        state.pulls.push({ ...pull, repo });
        return pull;
      });
    },

    comment(repo, number, body) {
      return update((state) => {
        const comment: ForgeComment = {
          id: state.comments.length + 1,
          url: `${url(repo, number)}-comment-${state.comments.length + 1}`,
          author: 'drydock',
          body,
        };
        state.comments.push({ ...comment, repo, number });
        return comment;
      });
    },

    async listReviewComments(repo, number) {
      const state = await load();
      if (!state.pulls.some((pull) => pull.repo === repo && pull.number === number)) {
        throw new ForgeError('pull_request_not_found', `No pull request #${number} on ${repo}.`);
      }
      return state.comments
        .filter((comment) => comment.repo === repo && comment.number === number)
        .map(({ repo: _, number: __, ...comment }) => comment);
    },

    async listCheckRuns(): Promise<CheckRun[]> {
      return [];
    },

    async checkRunLog(repo, run) {
      throw new ForgeError('no_check_runs', `${repo} is a local repository; it has no check run ${run.id}.`);
    },

    async permission() {
      return 'admin';
    },
  };
}
