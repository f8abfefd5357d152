import { resolve } from 'node:path';
import { recordAudit } from '../../core/audit.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { RegisteredRepo, Store } from '../../core/ports/store.ts';
import { formatAge } from '../../environments/rebuild-policy.ts';
import { localOperator } from '../../sessions/local-operator.ts';
import { findRegisteredRepo, pickRegisteredRepo, registerRepo } from '../../sessions/registered-repos.ts';
import { isForgeRepoName } from '../../sessions/repo-input.ts';
import type { RemoteClient } from '../remote-client.ts';

type Write = (text: string) => void;

/** Where `drydock repo` registers: this machine's store, or a server (DRYDOCK_URL). */
export interface RepoRegistry {
  add(repo: string): Promise<RegisteredRepo>;
  list(): Promise<RegisteredRepo[]>;
  /** By id, path or `owner/name`; NotFoundError when nothing registered matches. */
  remove(name: string): Promise<RegisteredRepo>;
}

function notRegistered(name: string): NotFoundError {
  return new NotFoundError(
    'registered_repo_not_found',
    `No registered repository "${name}"; drydock repo list shows them.`,
  );
}

/** A local path made absolute against the working directory; `owner/name` as it is. */
function absolute(repo: string): string {
  const value = repo.trim();
  return isForgeRepoName(value) ? value : resolve(value);
}

/** The store in DRYDOCK_HOME: what a server on this machine (sharing it) reads. Registered by `cli`. */
export function localRepoRegistry(deps: { store: Store; home: string }): RepoRegistry {
  return {
    async add(repo) {
      const added = await registerRepo(deps, absolute(repo), 'cli');
      await recordAudit(deps.store, {
        actor: localOperator(),
        action: 'repo.created',
        target: added.id,
        details: { repo: added.repo, kind: added.kind, via: 'cli' },
      });
      return added;
    },
    list: () => deps.store.listRepos(),
    async remove(name) {
      const found =
        (await findRegisteredRepo(deps.store, name)) ??
        (isForgeRepoName(name.trim()) ? null : await findRegisteredRepo(deps.store, absolute(name)));
      if (!found || !(await deps.store.deleteRepo(found.id))) throw notRegistered(name);
      await recordAudit(deps.store, {
        actor: localOperator(),
        action: 'repo.removed',
        target: found.id,
        details: { repo: found.repo, via: 'cli' },
      });
      return found;
    },
  };
}

/** A drydock server's `/api/repos` (admins register and remove; everyone lists). */
export function remoteRepoRegistry(client: RemoteClient): RepoRegistry {
  const list = async () => (await client.json<{ repos: RegisteredRepo[] }>('GET', '/api/repos')).repos;
  return {
    add: (repo) => client.json<RegisteredRepo>('POST', '/api/repos', { repo: absolute(repo) }),
    list,
    async remove(name) {
      const repos = await list();
      const found = pickRegisteredRepo(repos, name) ?? pickRegisteredRepo(repos, absolute(name));
      if (!found) throw notRegistered(name);
      await client.text('DELETE', `/api/repos/${encodeURIComponent(found.id)}`);
      return found;
    },
  };
}

/** `drydock repo add <path|owner/name>`. */
export async function repoAdd(registry: RepoRegistry, repo: string, write: Write): Promise<void> {
  const added = await registry.add(repo);
  write(`registered ${added.id}: ${added.repo} (${added.kind})\n`);
}

/** `drydock repo list`: oldest first. */
export async function repoList(
  registry: RepoRegistry,
  options: { json: boolean; now: Date },
  write: Write,
): Promise<void> {
  const repos = await registry.list();
  if (options.json) return write(`${JSON.stringify(repos, null, 2)}\n`);
  if (repos.length === 0) {
    return write('No registered repositories. Register one: drydock repo add <path|owner/name>\n');
  }
  for (const repo of repos) {
    const age = formatAge(options.now.getTime() - Date.parse(repo.createdAt));
    write(`${repo.id}  ${repo.kind.padEnd(5)}  ${repo.repo}  (by ${repo.addedBy}, ${age} ago)\n`);
  }
}

/** `drydock repo rm <id|path|owner/name>`: sessions on it stay; new ones are refused. */
export async function repoRemove(registry: RepoRegistry, name: string, write: Write): Promise<void> {
  const removed = await registry.remove(name);
  write(`removed ${removed.id}: ${removed.repo}\n`);
}
