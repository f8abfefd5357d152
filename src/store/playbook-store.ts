import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../core/ports/clock.ts';
import type { Store, StoredPlaybook } from '../core/ports/store.ts';
import type { Database, PlaybooksTable } from './database.ts';
import { toText } from './rows.ts';

type PlaybookMethods = Pick<Store, 'listPlaybooks' | 'getPlaybook' | 'putPlaybook' | 'deletePlaybook'>;

/** The Store's server-side playbook methods, in SQL that SQLite and Postgres both run. */
export function playbookStoreMethods(db: Kysely<Database>, deps: { clock: Clock }): PlaybookMethods {
  return {
    async listPlaybooks() {
      const rows = await db.selectFrom('playbooks').selectAll().orderBy('name').execute();
      return rows.map(fromPlaybookRow);
    },

    async getPlaybook(name) {
      const row = await db.selectFrom('playbooks').selectAll().where('name', '=', name).executeTakeFirst();
      return row ? fromPlaybookRow(row) : null;
    },

    async putPlaybook(playbook) {
      const row: PlaybooksTable = {
        name: toText(playbook.name),
        text: toText(playbook.text),
        updated_by: toText(playbook.updatedBy),
        updated_at: deps.clock.now().toISOString(),
      };
      await db
        .insertInto('playbooks')
        .values(row)
        .onConflict((conflict) =>
          conflict.column('name').doUpdateSet({
            text: row.text,
            updated_by: row.updated_by,
            updated_at: row.updated_at,
          }),
        )
        .execute();
      return fromPlaybookRow(row);
    },

    async deletePlaybook(name) {
      const result = await db.deleteFrom('playbooks').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}

function fromPlaybookRow(row: Selectable<PlaybooksTable>): StoredPlaybook {
  return { name: row.name, text: row.text, updatedBy: row.updated_by, updatedAt: row.updated_at };
}
