/**
 * integrateCommit takes one workspace's change into another's working tree (a chosen attempt into its
 * parent, a child's work into its manager): merged with the workspace's own uncommitted changes, with
 * conflict markers where both changed the same lines, and without running anything either tree holds.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { integrateCommit } from '../src/forge/integrate-commit.ts';
import { workspaceGit } from '../src/forge/workspace-git.ts';
import { confinements, git, markers, payload, plantEvilRepository } from './support/evil-repository.ts';

describe.each(confinements)('integrating a change into a workspace, %s', (_, confinement) => {
  let parent: string;
  let repo: string;
  let base: string;
  let target: string;
  let source: string;

  /** A clone of the repository at the base commit, detached (as drydock's workspaces are). */
  const clone = (name: string) => {
    const path = join(parent, name);
    git(parent, 'clone', '--quiet', repo, path);
    git(path, 'checkout', '--quiet', '--detach', base);
    return path;
  };
  /** Commits everything in `path` and returns the commit. */
  const commitAll = (path: string) => {
    git(path, 'add', '--all');
    git(path, 'commit', '-qm', 'change');
    return git(path, 'rev-parse', 'HEAD');
  };

  beforeEach(async () => {
    parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-integrate-test-')));
    repo = join(parent, 'repo');
    git(parent, 'init', '-q', '--initial-branch=main', repo);
    await writeFile(join(repo, 'app.txt'), 'one\ntwo\nthree\n');
    await writeFile(join(repo, 'old.txt'), 'to be removed\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'base');
    base = git(repo, 'rev-parse', 'HEAD');
    target = clone('target');
    source = clone('source');
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it("adds, changes and removes the source's files beside the target's own uncommitted change", async () => {
    await writeFile(join(source, 'app.txt'), 'one\ntwo\nthree\nfour\n');
    await writeFile(join(source, 'new.txt'), 'added\n');
    await writeFile(join(source, 'blob.bin'), Buffer.from([0, 1, 2, 255, 0, 7]));
    git(source, 'rm', '-q', 'old.txt');
    const head = commitAll(source);
    // The target's own work, not committed: kept, and merged with.
    await writeFile(join(target, 'app.txt'), 'ONE\ntwo\nthree\n');
    await writeFile(join(target, 'mine.txt'), 'my own\n');

    const result = await integrateCommit(workspaceGit(target, confinement), {
      path: source,
      baseCommit: base,
      headCommit: head,
    });

    expect(result.conflicts).toEqual([]);
    expect(result.files.sort()).toEqual(['app.txt', 'blob.bin', 'new.txt', 'old.txt']);
    expect(await readFile(join(target, 'app.txt'), 'utf8')).toBe('ONE\ntwo\nthree\nfour\n');
    expect(await readFile(join(target, 'new.txt'), 'utf8')).toBe('added\n');
    expect([...(await readFile(join(target, 'blob.bin')))]).toEqual([0, 1, 2, 255, 0, 7]);
    expect(existsSync(join(target, 'old.txt'))).toBe(false);
    expect(await readFile(join(target, 'mine.txt'), 'utf8')).toBe('my own\n');
    // Nothing committed and no ref moved: the change is the agent's to keep, as if it wrote it.
    expect(git(target, 'rev-parse', 'HEAD')).toBe(base);
  });

  it('leaves conflict markers where both changed the same lines, and names the files', async () => {
    await writeFile(join(source, 'app.txt'), 'one\nTWO from the child\nthree\n');
    await writeFile(join(source, 'new.txt'), 'added\n');
    const head = commitAll(source);
    await writeFile(join(target, 'app.txt'), 'one\ntwo from the manager\nthree\n');

    const result = await integrateCommit(workspaceGit(target, confinement), {
      path: source,
      baseCommit: base,
      headCommit: head,
    });

    expect(result.conflicts).toEqual(['app.txt']);
    const merged = await readFile(join(target, 'app.txt'), 'utf8');
    expect(merged).toMatch(/<<<<<<< [^\n]*\ntwo from the manager\n=======\nTWO from the child\n>>>>>>> /);
    expect(await readFile(join(target, 'new.txt'), 'utf8')).toBe('added\n');
  });

  it('changes nothing for a change that is empty', async () => {
    const result = await integrateCommit(workspaceGit(target, confinement), {
      path: source,
      baseCommit: base,
      headCommit: base,
    });
    expect(result).toEqual({ files: [], conflicts: [] });
  });

  it("runs nothing of the source's repository (filters, fsmonitor, hooks, diff drivers) or of either tree", async () => {
    // The source: a child's workspace whose repository and tree carry every payload git could run.
    const evil = join(parent, 'evil');
    plantEvilRepository(evil, payload(parent, evil, 'source'));
    // Its change: file.txt only (the markers its setup left are not part of it).
    git(evil, 'add', 'file.txt');
    git(evil, 'commit', '-qm', 'change', '--no-verify');
    const evilHead = git(evil, 'rev-parse', 'HEAD');
    const evilBase = git(evil, 'rev-parse', 'HEAD~1');
    // The target: a workspace of that repository (drydock's own .git; its tree names the filters and
    // diff drivers, and holds the hooks), with the agent's change in it naming them again.
    const evilTarget = join(parent, 'evil-target');
    git(parent, 'clone', '--quiet', '--no-checkout', evil, evilTarget);
    git(evilTarget, '-c', 'core.hooksPath=/dev/null', 'checkout', '--quiet', '--detach', evilBase);
    await writeFile(join(evilTarget, '.gitattributes'), '* filter=evil diff=evil merge=evil\n');
    // Setting the trees up with a plain git ran the payloads: start from no marker.
    for (const path of [
      markers(parent, evil).host,
      markers(parent, evil).tree,
      markers(parent, evilTarget).tree,
    ]) {
      await rm(path, { force: true });
    }

    await integrateCommit(workspaceGit(evilTarget, confinement), {
      path: evil,
      baseCommit: evilBase,
      headCommit: evilHead,
    }).catch(() => null);

    const ran = async (path: string) => (existsSync(path) ? await readFile(path, 'utf8') : '');
    expect(await ran(markers(parent, evil).host)).toBe('');
    expect(await ran(markers(parent, evil).tree)).toBe('');
    expect(await ran(markers(parent, evilTarget).tree)).toBe('');
  });
});
