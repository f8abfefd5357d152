import type { Kysely, Selectable } from 'kysely';
import { ConflictError, InternalError } from '../core/errors.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import { REPO_ALREADY_REGISTERED, REPO_KINDS, type RegisteredRepo, type Store } from '../core/ports/store.ts';
import type { Database, RepositoriesTable } from './database.ts';
import { toText } from './rows.ts';

type RepoMethods = Pick<
  Store,
  'createRepo' | 'getRepo' | 'findRepo' | 'listRepos' | 'updateRepo' | 'deleteRepo'
>;

/** The Store's registered-repository methods, in SQL that SQLite and Postgres both run. */
export function repoStoreMethods(
  db: Kysely<Database>,
  deps: { clock: Clock; ids: IdGenerator },
): RepoMethods {
  return {
    async createRepo(repo) {
      const stored: RegisteredRepo = {
        id: deps.ids.next(),
        kind: repo.kind,
        repo: toText(repo.repo),
        addedBy: toText(repo.addedBy),
        createdAt: deps.clock.now().toISOString(),
        review: { pullRequests: false },
      };
      // Insert-or-nothing: of two racing registrations the loser gets this error, not a unique violation.
      const inserted = await db
        .insertInto('repositories')
        .values({
          id: stored.id,
          kind: stored.kind,
          repo: stored.repo,
          added_by: stored.addedBy,
          created_at: stored.createdAt,
        })
        .onConflict((conflict) => conflict.column('repo').doNothing())
        .executeTakeFirst();
      if (inserted.numInsertedOrUpdatedRows === 0n) {
        throw new ConflictError(
          REPO_ALREADY_REGISTERED,
          `${stored.repo} is registered already; see the list of registered repositories.`,
        );
      }
      return stored;
    },

    async getRepo(id) {
      const row = await db.selectFrom('repositories').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRepoRow(row) : null;
    },

    async findRepo(repo) {
      const row = await db.selectFrom('repositories').selectAll().where('repo', '=', repo).executeTakeFirst();
      return row ? fromRepoRow(row) : null;
    },

    async listRepos() {
      const rows = await db
        .selectFrom('repositories')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(fromRepoRow);
    },

    async updateRepo(id, update) {
      const pullRequests = update.review?.pullRequests;
      if (pullRequests !== undefined) {
        await db
          .updateTable('repositories')
          .set({ review_pull_requests: pullRequests ? 1 : 0 })
          .where('id', '=', id)
          .execute();
      }
      const row = await db.selectFrom('repositories').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRepoRow(row) : null;
    },

    async deleteRepo(id) {
      const result = await db.deleteFrom('repositories').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function fromRepoRow(row: Selectable<RepositoriesTable>): RegisteredRepo {
  const kind = REPO_KINDS.find((known) => known === row.kind);
  if (kind === undefined) {
    throw new InternalError(
      'unknown_repo_kind',
      `Registered repository ${row.id} has unknown kind "${row.kind}".`,
    );
  }
  return {
    id: row.id,
    kind,
    repo: row.repo,
    addedBy: row.added_by,
    createdAt: row.created_at,
    review: { pullRequests: Number(row.review_pull_requests) === 1 },
  };
}
