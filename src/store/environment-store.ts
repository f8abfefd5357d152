import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { EnvironmentImage, EnvironmentImageRoot, Store, StoredSecret } from '../core/ports/store.ts';
import type { Database, EnvironmentsTable, SecretsTable } from './database.ts';
import { fromJson, toText } from './rows.ts';

type EnvironmentMethods = Pick<
  Store,
  | 'saveEnvironment'
  | 'findEnvironment'
  | 'getEnvironment'
  | 'listEnvironments'
  | 'deleteEnvironment'
  | 'putSecret'
  | 'listSecrets'
  | 'deleteSecret'
>;

/** The Store's environment-image and secret methods, in SQL that SQLite and Postgres both run. */
export function environmentStoreMethods(
  db: Kysely<Database>,
  deps: { clock: Clock; ids: IdGenerator },
): EnvironmentMethods {
  const now = (): string => deps.clock.now().toISOString();
  return {
    async saveEnvironment(image) {
      const saved: EnvironmentImage = {
        id: deps.ids.next(),
        ...image,
        imageRoot: image.imageRoot ?? null,
        createdAt: now(),
      };
      await db
        .insertInto('environments')
        .values({
          id: saved.id,
          repo: toText(saved.repo),
          inputs_hash: saved.inputsHash,
          runtime_version: saved.runtimeVersion,
          commit_sha: saved.commit,
          layers: JSON.stringify(saved.layers),
          setup: JSON.stringify(saved.setup),
          setup_ms: Math.round(saved.setupMs),
          created_at: saved.createdAt,
          image_root: saved.imageRoot === null ? null : JSON.stringify(saved.imageRoot),
        })
        .execute();
      return saved;
    },

    async findEnvironment(repo, inputsHash, runtimeVersion) {
      const row = await db
        .selectFrom('environments')
        .selectAll()
        .where('repo', '=', repo)
        .where('inputs_hash', '=', inputsHash)
        .where('runtime_version', '=', runtimeVersion)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row ? fromEnvironmentRow(row) : null;
    },

    async getEnvironment(id) {
      const row = await db.selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromEnvironmentRow(row) : null;
    },

    async listEnvironments(repo) {
      let query = db.selectFrom('environments').selectAll();
      if (repo !== undefined) query = query.where('repo', '=', repo);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(fromEnvironmentRow);
    },

    async deleteEnvironment(id) {
      const result = await db.deleteFrom('environments').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async putSecret(scope, name, sealed) {
      const at = now();
      await db
        .insertInto('secrets')
        .values({ scope: toText(scope), name: toText(name), sealed, created_at: at, updated_at: at })
        .onConflict((conflict) => conflict.columns(['scope', 'name']).doUpdateSet({ sealed, updated_at: at }))
        .execute();
      const row = await db
        .selectFrom('secrets')
        .selectAll()
        .where('scope', '=', scope)
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return fromSecretRow(row);
    },

    async listSecrets(scopes) {
      let query = db.selectFrom('secrets').selectAll();
      if (scopes !== undefined) {
        if (scopes.length === 0) return [];
        query = query.where('scope', 'in', [...scopes]);
      }
      const rows = await query.orderBy('scope').orderBy('name').execute();
      return rows.map(fromSecretRow);
    },

    async deleteSecret(scope, name) {
      const result = await db
        .deleteFrom('secrets')
        .where('scope', '=', scope)
        .where('name', '=', name)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function fromEnvironmentRow(row: Selectable<EnvironmentsTable>): EnvironmentImage {
  return {
    id: row.id,
    repo: row.repo,
    inputsHash: row.inputs_hash,
    runtimeVersion: row.runtime_version,
    commit: row.commit_sha,
    layers: fromJson(row.layers) as string[],
    setup: fromJson(row.setup) as string[],
    setupMs: Number(row.setup_ms),
    imageRoot: row.image_root === null ? null : readImageRoot(fromJson(row.image_root)),
    createdAt: row.created_at,
  };
}

const imageRootSchema = z.object({
  reference: z.string(),
  digest: z.string(),
  layer: z.string(),
  env: z.record(z.string(), z.string()),
  workingDir: z.string().nullable(),
  user: z.string().nullable(),
});

/** A stored image root, through its schema; one this drydock cannot read counts as none (the image is rebuilt). */
function readImageRoot(value: unknown): EnvironmentImageRoot | null {
  const parsed = imageRootSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function fromSecretRow(row: Selectable<SecretsTable>): StoredSecret {
  return {
    scope: row.scope,
    name: row.name,
    sealed: row.sealed,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
