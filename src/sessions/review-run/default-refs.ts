import { resolve } from 'node:path';
import { tryGit } from '../../forge/git.ts';

/**
 * The refs a review defaults to: head is the current branch (else HEAD, detached); base is the head
 * branch's upstream when it has one, else `main`, else `master` (else `main`, which then fails as an
 * unknown ref). Reads the repository with git alone; a path that is no repository gets the defaults
 * (the review's validation then says what is wrong with it).
 */
export async function defaultReviewRefs(
  repo: string,
  given: { base?: string | undefined; head?: string | undefined },
): Promise<{ base: string; head: string }> {
  const cwd = resolve(repo);
  const head =
    given.head?.trim() ||
    (await tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd }).catch(() => null))?.trim() ||
    'HEAD';
  const base = given.base?.trim();
  if (base) return { base, head };
  const upstream = (
    await tryGit(['rev-parse', '--abbrev-ref', '--symbolic-full-name', `${head}@{upstream}`], { cwd }).catch(
      () => null,
    )
  )?.trim();
  if (upstream) return { base: upstream, head };
  for (const candidate of ['main', 'master']) {
    const found = await tryGit(['rev-parse', '--verify', '--quiet', `refs/heads/${candidate}`], {
      cwd,
    }).catch(() => null);
    if (found !== null) return { base: candidate, head };
  }
  return { base: 'main', head };
}
