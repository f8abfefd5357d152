import { BadInputError } from './errors.ts';

/**
 * How a forge repository is named, across forges. A bare `owner/name` is GitHub's (every name drydock took
 * before it knew other forges keeps meaning what it meant); other forges are prefixed with their kind:
 * `gitlab:group/subgroup/project` (nested groups allowed), `gitea:owner/name` (the one Gitea or Forgejo
 * server this drydock server is configured with), `bitbucket:workspace/repo` (Bitbucket Cloud). Pure.
 */

export type ForgeKind = 'github' | 'gitlab' | 'gitea' | 'bitbucket';

export interface ForgeRepoName {
  kind: ForgeKind;
  /** The repository's path on its forge: `owner/name`, `group/subgroup/project`. */
  path: string;
}

/** One path segment: word characters, dots and dashes, not starting with a dot (so never `.` or `..`). */
const SEGMENT = '[\\w-][\\w.-]*';
const GITHUB = new RegExp(`^${SEGMENT}/${SEGMENT}$`);
/** GitLab nests groups up to 20 levels deep: a namespace of 1 to 20 segments, then the project. */
const GITLAB = new RegExp(`^${SEGMENT}(?:/${SEGMENT}){1,20}$`);

/** The forge and path a repository name means, or null when it names no forge repository. */
export function parseForgeRepo(name: string): ForgeRepoName | null {
  if (GITHUB.test(name)) return { kind: 'github', path: name };
  if (name.startsWith('gitlab:')) {
    const path = name.slice('gitlab:'.length);
    return GITLAB.test(path) ? { kind: 'gitlab', path } : null;
  }
  if (name.startsWith('gitea:')) {
    // Gitea and Forgejo name a repository like GitHub does: an owner (user or organization) and a name.
    const path = name.slice('gitea:'.length);
    return GITHUB.test(path) ? { kind: 'gitea', path } : null;
  }
  if (name.startsWith('bitbucket:')) {
    // Bitbucket Cloud: a workspace and a repository slug.
    const path = name.slice('bitbucket:'.length);
    return GITHUB.test(path) ? { kind: 'bitbucket', path } : null;
  }
  return null;
}

/** The name of `path` on a forge of `kind`: bare for GitHub, prefixed for the others. */
export function forgeRepoName(kind: ForgeKind, path: string): string {
  return kind === 'github' ? path : `${kind}:${path}`;
}

/** What a server sets to reach each forge: quoted when a repository names a forge it has not configured. */
export const FORGE_SETUP: Record<ForgeKind, string> = {
  github: 'set DRYDOCK_GITHUB_TOKEN or a GitHub App (DRYDOCK_GITHUB_APP_ID and its private key)',
  gitlab: 'set DRYDOCK_GITLAB_TOKEN (and DRYDOCK_GITLAB_URL for a self-managed GitLab)',
  gitea: 'set DRYDOCK_GITEA_URL and DRYDOCK_GITEA_TOKEN',
  bitbucket: 'set DRYDOCK_BITBUCKET_TOKEN',
};

/** How people call each forge, in messages. */
export const FORGE_TITLE: Record<ForgeKind, string> = {
  github: 'GitHub',
  gitlab: 'GitLab',
  gitea: 'Gitea/Forgejo',
  bitbucket: 'Bitbucket',
};

/** The refusal for a repository on a forge this server has no credentials for, saying what to set. */
export function forgeNotConfigured(repo: string): BadInputError {
  const kind = parseForgeRepo(repo)?.kind ?? 'github';
  return new BadInputError(
    'forge_not_configured',
    `${repo} is a ${FORGE_TITLE[kind]} repository, but this server has no ${FORGE_TITLE[kind]} forge: ${FORGE_SETUP[kind]} (docs/triggers.md).`,
    { details: { fields: { repo: `no ${kind} forge is configured` } } },
  );
}
