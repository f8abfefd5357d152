import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Forge } from '../core/ports/forge.ts';

/** A close the forge contract makes happen on a fake: merged or not, by whom, when. */
export interface PullClose {
  merged: boolean;
  by: string;
  at: string;
}

export interface ForgeHarness {
  forge: Forge;
  /** The repository as the forge names it. */
  repo: string;
  /** A repository name the forge's credentials cannot read. */
  missingRepo: string;
  /**
   * Merges or closes a pull request the forge opened, as someone on the forge would (a fake API's hook);
   * present exactly when the forge can say a pull request's state (`pullRequestState`).
   */
  closePull?(number: number, close: PullClose): void;
  close(): Promise<void>;
}

const run = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  }).trim();

/** A bare repository with one commit on main, and a working clone to make more commits in. */
export async function createRemote(
  dir: string,
): Promise<{ bare: string; work: string; commit(file: string): string }> {
  const bare = join(dir, 'remote.git');
  const work = join(dir, 'work');
  run(dir, 'init', '--quiet', '--bare', '-b', 'main', bare);
  run(dir, 'clone', '--quiet', bare, work);
  run(work, 'checkout', '--quiet', '-b', 'main');
  const commit = (file: string) => {
    execFileSync('sh', ['-c', `echo ${file} > ${file}`], { cwd: work });
    run(work, 'add', '.');
    run(work, 'commit', '--quiet', '-m', file);
    return run(work, 'rev-parse', 'HEAD');
  };
  commit('README.md');
  run(work, 'push', '--quiet', 'origin', 'main');
  return { bare, work, commit };
}

/** The Forge port's contract; every forge runs it against a real bare repository as its git remote. */
export function describeForgeContract(
  name: string,
  makeForge: (remote: { bare: string; stateDir: string }) => Promise<ForgeHarness>,
): void {
  describe(`Forge contract: ${name}`, () => {
    let dir: string;
    let remote: Awaited<ReturnType<typeof createRemote>>;
    let harness: ForgeHarness;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'drydock-forge-'));
      remote = await createRemote(dir);
      harness = await makeForge({ bare: remote.bare, stateDir: join(dir, 'state') });
    });
    afterEach(async () => {
      await harness.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('clones, then fetches new commits into the same clone, and names the default branch', async () => {
      const clone = join(dir, 'clones', 'repo');
      expect(await harness.forge.sync(harness.repo, clone)).toEqual({ defaultBranch: 'main' });
      const next = remote.commit('b.txt');
      run(remote.work, 'push', '--quiet', 'origin', 'main');
      await harness.forge.sync(harness.repo, clone);
      expect(run(clone, 'rev-parse', 'main')).toBe(next);
      expect(run(clone, 'config', '--get-regexp', '.*')).not.toMatch(/extraheader|token/i);
    });

    it('pushes a branch, then fast-forwards it', async () => {
      run(remote.work, 'checkout', '--quiet', '-b', 'drydock/fix');
      const first = remote.commit('fix.txt');
      await harness.forge.push(harness.repo, { from: remote.work, branch: 'drydock/fix', commit: first });
      expect(run(remote.bare, 'rev-parse', 'drydock/fix')).toBe(first);
      const second = remote.commit('fix2.txt');
      await harness.forge.push(harness.repo, { from: remote.work, branch: 'drydock/fix', commit: second });
      expect(run(remote.bare, 'rev-parse', 'drydock/fix')).toBe(second);
    });

    it('opens a pull request once and updates it after, and comments on it', async () => {
      const request = { branch: 'drydock/fix', base: 'main', title: 'Fix', body: 'first', draft: true };
      const opened = await harness.forge.openOrUpdatePullRequest(harness.repo, request);
      expect(opened).toMatchObject({
        branch: 'drydock/fix',
        base: 'main',
        title: 'Fix',
        body: 'first',
        draft: true,
      });
      const updated = await harness.forge.openOrUpdatePullRequest(harness.repo, {
        ...request,
        body: 'second',
      });
      expect(updated).toMatchObject({ number: opened.number, url: opened.url, body: 'second' });
      const comment = await harness.forge.comment(harness.repo, opened.number, 'On it.', 'pull');
      expect(comment.body).toBe('On it.');
      expect(comment.url).toMatch(/./);
    });

    it('says whether a pull request it opened is open, merged or closed, by whom and when', async () => {
      const { forge, closePull } = harness;
      // A forge says pull requests' states exactly when its test can close one (local git does neither).
      expect(typeof forge.pullRequestState).toBe(closePull ? 'function' : 'undefined');
      if (!forge.pullRequestState || !closePull) return;
      const open = (branch: string) =>
        forge.openOrUpdatePullRequest(harness.repo, { branch, base: 'main', title: branch, body: '' });
      const merged = await open('drydock/merged');
      const declined = await open('drydock/declined');
      expect(await forge.pullRequestState(harness.repo, merged.number)).toEqual({
        number: merged.number,
        url: merged.url,
        state: 'open',
        by: null,
        at: null,
      });
      closePull(merged.number, { merged: true, by: 'alice', at: '2026-02-01T10:00:00Z' });
      closePull(declined.number, { merged: false, by: 'bob', at: '2026-02-02T10:00:00Z' });
      expect(await forge.pullRequestState(harness.repo, merged.number)).toEqual({
        number: merged.number,
        url: merged.url,
        state: 'merged',
        by: 'alice',
        at: '2026-02-01T10:00:00Z',
      });
      const closed = await forge.pullRequestState(harness.repo, declined.number);
      expect(closed).toMatchObject({ number: declined.number, state: 'closed', at: '2026-02-02T10:00:00Z' });
      // GitHub's and Gitea's pull requests name who merged them, not who closed them unmerged.
      expect(['bob', null]).toContain(closed.by);
      await expect(forge.pullRequestState(harness.repo, 999)).rejects.toMatchObject({
        code: 'forge_no_access',
      });
    });

    it('fails with forge_no_access for a repository it cannot read', async () => {
      await expect(
        harness.forge.sync(harness.missingRepo, join(dir, 'clones', 'missing')),
      ).rejects.toMatchObject({
        code: 'forge_no_access',
      });
    });
  });
}
