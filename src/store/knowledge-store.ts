import type { Kysely, Selectable } from 'kysely';
import { InternalError } from '../core/errors.ts';
import {
  KNOWLEDGE_KINDS,
  KNOWLEDGE_STATUSES,
  type KnowledgeItem,
  MAX_KNOWLEDGE_BODY_CHARS,
  MAX_KNOWLEDGE_TITLE_CHARS,
} from '../core/knowledge.ts';
import type { Clock } from '../core/ports/clock.ts';
import type { IdGenerator } from '../core/ports/ids.ts';
import type { Store } from '../core/ports/store.ts';
import { truncateText } from '../core/truncate.ts';
import type { Database, KnowledgeTable } from './database.ts';
import { toText } from './rows.ts';

type KnowledgeMethods = Pick<
  Store,
  | 'createKnowledge'
  | 'getKnowledge'
  | 'listKnowledge'
  | 'updateKnowledge'
  | 'markKnowledgeStale'
  | 'deleteKnowledge'
>;

/** The Store's repository-knowledge methods, in SQL that SQLite and Postgres both run. */
export function knowledgeStoreMethods(
  db: Kysely<Database>,
  deps: { clock: Clock; ids: IdGenerator },
): KnowledgeMethods {
  const get = async (id: string) => {
    const row = await db.selectFrom('knowledge').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromKnowledgeRow(row) : null;
  };
  return {
    async createKnowledge(item) {
      const now = deps.clock.now().toISOString();
      const status = item.status ?? 'pending';
      const decided = status !== 'pending';
      const row: KnowledgeTable = {
        id: deps.ids.next(),
        repo: toText(item.repo),
        title: title(item.title),
        body: body(item.body),
        kind: item.kind,
        files: JSON.stringify(item.files.map(toText)),
        status,
        source: toText(item.source),
        proposed_at: now,
        decided_by: decided ? toText(item.decidedBy ?? '') : null,
        decided_at: decided ? now : null,
        updated_at: now,
        stale_files: null,
      };
      await db.insertInto('knowledge').values(row).execute();
      return fromKnowledgeRow(row);
    },

    getKnowledge: get,

    async listKnowledge(filter = {}) {
      let query = db.selectFrom('knowledge').selectAll();
      if (filter.repo !== undefined) query = query.where('repo', '=', filter.repo);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      const rows = await query.orderBy('proposed_at').orderBy('id').execute();
      return rows.map(fromKnowledgeRow);
    },

    async updateKnowledge(id, update) {
      const now = deps.clock.now().toISOString();
      const set: Partial<KnowledgeTable> = {};
      if (update.title !== undefined) set.title = title(update.title);
      if (update.body !== undefined) set.body = body(update.body);
      if (update.kind !== undefined) set.kind = update.kind;
      if (update.files !== undefined) {
        set.files = JSON.stringify(update.files.map(toText));
        // The curator said which files it concerns now: whatever a session found missing is moot.
        set.stale_files = null;
      }
      if (update.decision !== undefined) {
        set.status = update.decision.status;
        set.decided_by = update.decision.status === 'pending' ? null : toText(update.decision.by);
        set.decided_at = update.decision.status === 'pending' ? null : now;
      }
      if (Object.keys(set).length > 0) {
        await db
          .updateTable('knowledge')
          .set({ ...set, updated_at: now })
          .where('id', '=', id)
          .execute();
      }
      return get(id);
    },

    async markKnowledgeStale(id, staleFiles) {
      await db
        .updateTable('knowledge')
        .set({ stale_files: staleFiles === null ? null : JSON.stringify(staleFiles.map(toText)) })
        .where('id', '=', id)
        .execute();
    },

    async deleteKnowledge(id) {
      const result = await db.deleteFrom('knowledge').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function title(text: string): string {
  return truncateText(toText(text.trim()), MAX_KNOWLEDGE_TITLE_CHARS);
}

function body(text: string): string {
  return truncateText(toText(text.trim()), MAX_KNOWLEDGE_BODY_CHARS);
}

function fromKnowledgeRow(row: Selectable<KnowledgeTable>): KnowledgeItem {
  const kind = KNOWLEDGE_KINDS.find((known) => known === row.kind);
  const status = KNOWLEDGE_STATUSES.find((known) => known === row.status);
  if (kind === undefined || status === undefined) {
    throw new InternalError(
      'unknown_knowledge_value',
      `Knowledge item ${row.id} has an unknown kind "${row.kind}" or status "${row.status}".`,
    );
  }
  return {
    id: row.id,
    repo: row.repo,
    title: row.title,
    body: row.body,
    kind,
    files: paths(row.files),
    status,
    source: row.source,
    proposedAt: row.proposed_at,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    updatedAt: row.updated_at,
    staleFiles: row.stale_files === null ? null : paths(row.stale_files),
  };
}

function paths(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((path): path is string => typeof path === 'string') : [];
}
