import { resolve } from 'node:path';
import type { Command } from 'commander';
import { recordAudit } from '../../core/audit.ts';
import { BadInputError, NotFoundError } from '../../core/errors.ts';
import {
  KNOWLEDGE_KINDS,
  KNOWLEDGE_STATUSES,
  type KnowledgeFilter,
  type KnowledgeItem,
  type KnowledgeKind,
  type KnowledgeStatus,
  MANUAL_SOURCE,
} from '../../core/knowledge.ts';
import type { Store } from '../../core/ports/store.ts';
import { localOperator } from '../../sessions/local-operator.ts';
import { isForgeRepoName } from '../../sessions/repo-input.ts';
import type { RemoteClient } from '../remote-client.ts';

type Write = (text: string) => void;

export interface NewKnowledgeInput {
  repo: string;
  title: string;
  body: string;
  kind: KnowledgeKind;
  files: string[];
}

/** Where `drydock knowledge` curates: this machine's store, or a server's /api/knowledge (DRYDOCK_URL). */
export interface KnowledgeDesk {
  list(filter: KnowledgeFilter): Promise<KnowledgeItem[]>;
  /** NotFoundError for an unknown id. */
  show(id: string): Promise<KnowledgeItem>;
  decide(id: string, status: 'approved' | 'rejected'): Promise<KnowledgeItem>;
  /** A manual item, approved at once by whoever adds it. */
  add(item: NewKnowledgeInput): Promise<KnowledgeItem>;
  remove(id: string): Promise<void>;
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(
    'knowledge_not_found',
    `No knowledge item ${id}; drydock knowledge list shows them.`,
  );
}

/** The store in DRYDOCK_HOME; decisions are recorded as made by `cli`, as `drydock repo add` registers. */
export function localKnowledgeDesk(store: Store): KnowledgeDesk {
  const found = async (item: KnowledgeItem | null, id: string) => {
    if (!item) throw notFound(id);
    return item;
  };
  const operator = localOperator();
  // What the API's audit middleware records for the same actions, for a change made on this machine.
  const audit = (action: string, target: string, details: Record<string, string> = {}) =>
    recordAudit(store, { actor: operator, action, target, details: { ...details, via: 'cli' } });
  return {
    list: (filter) => store.listKnowledge(filter),
    show: async (id) => found(await store.getKnowledge(id), id),
    async decide(id, status) {
      const item = await found(
        await store.updateKnowledge(id, { decision: { status, by: operator.name } }),
        id,
      );
      await audit(status === 'approved' ? 'knowledge.approve' : 'knowledge.reject', id, { repo: item.repo });
      return item;
    },
    async add(input) {
      const item = await store.createKnowledge({
        ...input,
        source: MANUAL_SOURCE,
        status: 'approved',
        decidedBy: operator.name,
      });
      await audit('knowledge.created', item.id, { repo: item.repo });
      return item;
    },
    async remove(id) {
      if (!(await store.deleteKnowledge(id))) throw notFound(id);
      await audit('knowledge.removed', id);
    },
  };
}

/** A drydock server's `/api/knowledge` (members list and show; admins decide, add and remove). */
export function remoteKnowledgeDesk(client: RemoteClient): KnowledgeDesk {
  const item = (id: string) => `/api/knowledge/${encodeURIComponent(id)}`;
  return {
    async list(filter) {
      const query = new URLSearchParams();
      if (filter.repo !== undefined) query.set('repo', filter.repo);
      if (filter.status !== undefined) query.set('status', filter.status);
      const suffix = query.size > 0 ? `?${query}` : '';
      return (await client.json<{ items: KnowledgeItem[] }>('GET', `/api/knowledge${suffix}`)).items;
    },
    show: (id) => client.json<KnowledgeItem>('GET', item(id)),
    decide: (id, status) =>
      client.json<KnowledgeItem>('POST', `${item(id)}/${status === 'approved' ? 'approve' : 'reject'}`),
    add: (input) => client.json<KnowledgeItem>('POST', '/api/knowledge', input),
    async remove(id) {
      await client.text('DELETE', item(id));
    },
  };
}

/** A local path made absolute (sessions name local repositories by absolute path); `owner/name` as it is. */
function repoName(repo: string): string {
  const value = repo.trim();
  return isForgeRepoName(value) ? value : resolve(value);
}

function status(value: string | undefined): KnowledgeStatus | undefined {
  if (value === undefined) return undefined;
  const known = KNOWLEDGE_STATUSES.find((each) => each === value);
  if (!known) {
    throw new BadInputError(
      'invalid_input',
      `--status must be one of ${KNOWLEDGE_STATUSES.join(', ')}, not "${value}".`,
    );
  }
  return known;
}

function kind(value: string): KnowledgeKind {
  const known = KNOWLEDGE_KINDS.find((each) => each === value);
  if (!known)
    throw new BadInputError(
      'invalid_input',
      `--kind must be one of ${KNOWLEDGE_KINDS.join(', ')}, not "${value}".`,
    );
  return known;
}

/** One line per item: id, status (and stale), kind, title, provenance. */
export function formatKnowledgeLine(item: KnowledgeItem): string {
  const flag = item.staleFiles ? ' STALE' : '';
  const from = item.source === MANUAL_SOURCE ? 'manual' : `from ${item.source}`;
  const decided = item.decidedBy ? `, ${item.status} by ${item.decidedBy}` : '';
  return `${item.id}  ${item.status}${flag}  ${item.kind}  ${item.title}  (${from}${decided})`;
}

export function formatKnowledgeItem(item: KnowledgeItem): string {
  return [
    `${item.title}`,
    `id:       ${item.id}`,
    `repo:     ${item.repo}`,
    `kind:     ${item.kind}`,
    `status:   ${item.status}${item.decidedBy ? ` (by ${item.decidedBy}, ${item.decidedAt})` : ''}`,
    `source:   ${item.source === MANUAL_SOURCE ? 'added by hand' : `session ${item.source}`} (${item.proposedAt})`,
    `files:    ${item.files.length > 0 ? item.files.join(', ') : '(the whole repository)'}`,
    ...(item.staleFiles
      ? [
          `STALE:    ${item.staleFiles.join(', ')} no longer exist; edit or remove the item (not retrieved until then)`,
        ]
      : []),
    '',
    item.body,
    '',
  ].join('\n');
}

/** `drydock knowledge list|show|approve|reject|add|rm`, embedded or against DRYDOCK_URL. */
export function registerKnowledgeCommands(
  program: Command,
  desk: () => Promise<KnowledgeDesk>,
  write: Write,
): void {
  const knowledge = program
    .command('knowledge')
    .description(
      "Repository knowledge (docs/knowledge.md): what sessions proposed, for people to approve into later sessions (with DRYDOCK_URL: that server's)",
    );
  knowledge
    .command('list')
    .description('List knowledge items, oldest first; stale ones are flagged STALE')
    .option('--repo <repo>', 'one repository (a path, made absolute here, or owner/name)')
    .option('--status <status>', `only ${KNOWLEDGE_STATUSES.join(', ')}`)
    .option('--json', 'print JSON')
    .action(async (options: { repo?: string; status?: string; json?: boolean }) => {
      const filter: KnowledgeFilter = {
        ...(options.repo === undefined ? {} : { repo: repoName(options.repo) }),
        ...(options.status === undefined ? {} : { status: status(options.status) }),
      };
      const items = await (await desk()).list(filter);
      if (options.json) return write(`${JSON.stringify(items, null, 2)}\n`);
      if (items.length === 0) return write('No knowledge items.\n');
      for (const item of items) write(`${formatKnowledgeLine(item)}\n`);
    });
  knowledge
    .command('show')
    .description('Show one item: its text, files, where it came from and who decided')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const item = await (await desk()).show(id);
      write(options.json ? `${JSON.stringify(item, null, 2)}\n` : formatKnowledgeItem(item));
    });
  for (const [verb, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    knowledge
      .command(verb)
      .description(
        verb === 'approve'
          ? 'Approve items: later sessions on the repository get them when relevant'
          : 'Reject items: kept, so they are not proposed again',
      )
      .argument('<ids...>')
      .action(async (ids: string[]) => {
        const curate = await desk();
        for (const id of ids) {
          const item = await curate.decide(id, decision);
          write(`${decision} ${item.id}: ${item.title}\n`);
        }
      });
  }
  knowledge
    .command('add')
    .description('Add an item by hand (approved at once)')
    .requiredOption('--repo <repo>', 'the repository (a path, made absolute here, or owner/name)')
    .requiredOption('--title <title>', 'one line')
    .requiredOption('--body <markdown>', 'a few lines of markdown')
    .option('--kind <kind>', KNOWLEDGE_KINDS.join(', '), 'other')
    .option('--file <path...>', 'paths in the repository it concerns', [])
    .action(async (options: { repo: string; title: string; body: string; kind: string; file: string[] }) => {
      const item = await (await desk()).add({
        repo: repoName(options.repo),
        title: options.title,
        body: options.body,
        kind: kind(options.kind),
        files: options.file,
      });
      write(`added ${item.id}: ${item.title}\n`);
    });
  knowledge
    .command('rm')
    .description('Remove items')
    .argument('<ids...>')
    .action(async (ids: string[]) => {
      const curate = await desk();
      for (const id of ids) {
        await curate.remove(id);
        write(`removed ${id}\n`);
      }
    });
}
