import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { recordAudit } from '../../core/audit.ts';
import { describeError, NotFoundError } from '../../core/errors.ts';
import { describeInputs, type PlaybookEntry, parsePlaybook } from '../../core/playbook.ts';
import type { Store } from '../../core/ports/store.ts';
import { resolveLocalRepository } from '../../forge/local-repository.ts';
import { localOperator } from '../../sessions/local-operator.ts';
import { findPlaybook, listPlaybooks, type PlaybookListing } from '../../sessions/playbooks.ts';
import type { RemoteClient } from '../remote-client.ts';

type Write = (text: string) => void;

/** Where `drydock playbook` looks: this machine (a local repository and the store) or a server's API. */
export interface PlaybookDesk {
  list(repo: string | undefined): Promise<PlaybookListing>;
  show(name: string, repo: string | undefined): Promise<PlaybookEntry>;
  /** Stores a server-side playbook (checked first). */
  add(name: string, text: string): Promise<PlaybookEntry>;
  remove(name: string): Promise<void>;
}

/** This machine: `--repo` is a local repository's path (its playbooks at HEAD), the rest the store's. */
export function localPlaybookDesk(store: Store): PlaybookDesk {
  const at = async (repo: string | undefined) => {
    if (repo === undefined) return null;
    const resolved = await resolveLocalRepository(repo, 'HEAD');
    return { path: resolved.path, commit: resolved.commit };
  };
  return {
    list: async (repo) => listPlaybooks(store, await at(repo)),
    show: async (name, repo) => findPlaybook(store, await at(repo), name),
    async add(name, text) {
      const parsed = parsePlaybook(name, text, `playbook ${name}`);
      const operator = localOperator();
      await store.putPlaybook({ name, text, updatedBy: operator.name });
      // As the API's audit middleware records PUT /api/playbooks/{name}.
      await recordAudit(store, {
        actor: operator,
        action: 'playbook.changed',
        target: name,
        details: { via: 'cli' },
      });
      return { ...parsed, source: 'server' };
    },
    async remove(name) {
      if (!(await store.deletePlaybook(name))) {
        throw new NotFoundError(
          'playbook_not_found',
          `No server playbook ${name}; drydock playbook list shows them.`,
        );
      }
      await recordAudit(store, {
        actor: localOperator(),
        action: 'playbook.removed',
        target: name,
        details: { via: 'cli' },
      });
    },
  };
}

/** A drydock server's `/api/playbooks`: `--repo` names a registered repository. */
export function remotePlaybookDesk(client: RemoteClient): PlaybookDesk {
  const query = (repo: string | undefined) => (repo === undefined ? '' : `?${new URLSearchParams({ repo })}`);
  const item = (name: string) => `/api/playbooks/${encodeURIComponent(name)}`;
  return {
    list: (repo) => client.json<PlaybookListing>('GET', `/api/playbooks${query(repo)}`),
    show: (name, repo) => client.json<PlaybookEntry>('GET', `${item(name)}${query(repo)}`),
    add: (name, text) => client.json<PlaybookEntry>('PUT', item(name), { text }),
    async remove(name) {
      await client.text('DELETE', item(name));
    },
  };
}

export function registerPlaybookCommands(
  program: Command,
  desk: () => Promise<PlaybookDesk>,
  write: Write,
): void {
  const playbook = program
    .command('playbook')
    .description(
      "Playbooks (docs/playbooks.md): task templates a run names with --playbook (with DRYDOCK_URL: that server's)",
    );
  playbook
    .command('list')
    .description("List the playbooks a run can use: the server's, and with --repo the repository's")
    .option('--repo <repo>', 'a local repository (embedded) or a registered one (with DRYDOCK_URL)')
    .option('--json', 'print JSON')
    .action(async (options: { repo?: string; json?: boolean }) => {
      const listing = await (await desk()).list(options.repo);
      if (options.json) return write(`${JSON.stringify(listing, null, 2)}\n`);
      write(formatListing(listing));
    });
  playbook
    .command('show')
    .description('Show one playbook: what it does, its inputs, and its steps')
    .argument('<name>')
    .option('--repo <repo>', 'a local repository (embedded) or a registered one (with DRYDOCK_URL)')
    .option('--json', 'print JSON')
    .action(async (name: string, options: { repo?: string; json?: boolean }) => {
      const found = await (await desk()).show(name, options.repo);
      write(options.json ? `${JSON.stringify(found, null, 2)}\n` : formatPlaybook(found));
    });
  playbook
    .command('add')
    .description(
      "Store a server-side playbook from a file (a repository's of the same name still wins there)",
    )
    .argument('<file>', 'a playbook file: front matter, then the steps')
    .option('--name <name>', 'its name (default: the file name without .md)')
    .action(async (file: string, options: { name?: string }) => {
      const name = options.name ?? basename(file).replace(/\.md$/, '');
      const text = await readFile(file, 'utf8').catch((error: unknown) => {
        throw new NotFoundError('file_not_found', `Cannot read ${file}: ${describeError(error)}`);
      });
      const added = await (await desk()).add(name, text);
      write(`added server playbook ${added.name}: ${added.description}\n`);
    });
  playbook
    .command('rm')
    .description('Remove a server-side playbook')
    .argument('<name>')
    .action(async (name: string) => {
      await (await desk()).remove(name);
      write(`removed server playbook ${name}\n`);
    });
}

/** One line per playbook, then the broken ones with their errors. Pure. */
export function formatListing(listing: PlaybookListing): string {
  if (listing.playbooks.length === 0 && listing.broken.length === 0) {
    return 'No playbooks. Add .drydock/playbooks/<name>.md to a repository (docs/playbooks.md).\n';
  }
  const width = Math.max(0, ...listing.playbooks.map((playbook) => playbook.name.length));
  const lines = listing.playbooks.map(
    (playbook) => `${playbook.name.padEnd(width)}  ${playbook.source.padEnd(6)}  ${playbook.description}`,
  );
  for (const broken of listing.broken)
    lines.push(`${broken.name} (${broken.source}, broken): ${broken.error}`);
  return `${lines.join('\n')}\n`;
}

/** A playbook as `show` prints it. Pure. */
export function formatPlaybook(playbook: PlaybookEntry): string {
  const lines = [`${playbook.name} (${playbook.source}): ${playbook.description}`];
  lines.push(describeInputs(playbook).replace(/^its inputs: /, 'inputs: '));
  if (playbook.model) lines.push(`model: ${playbook.model}`);
  if (playbook.attempts) lines.push(`attempts: ${playbook.attempts}`);
  if (playbook.checks) lines.push(`checks: ${playbook.checks.join(', ')}`);
  lines.push('', playbook.body);
  return `${lines.join('\n')}\n`;
}
