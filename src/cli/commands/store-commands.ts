import type { Command } from 'commander';
import { spendLimitsFromEnv } from '../../sessions/spend-limits.ts';
import { openDataStore } from '../cli-context.ts';
import type { ProgramContext } from '../program-context.ts';
import { localKnowledgeDesk, registerKnowledgeCommands, remoteKnowledgeDesk } from './knowledge.ts';
import { localLimitRegistry, registerLimitsCommands, remoteLimitRegistry } from './limits.ts';
import { localPlaybookDesk, registerPlaybookCommands, remotePlaybookDesk } from './playbook.ts';
import { localRepoRegistry, remoteRepoRegistry, repoAdd, repoList, repoRemove } from './repo.ts';
import { createTokenCommand } from './token.ts';

/**
 * Commands over what the store keeps: tokens, registered repositories, knowledge, playbooks and spend
 * limits. Each opens the data store on first use and closes it after the command (or, with DRYDOCK_URL,
 * asks that server).
 */
export function registerStoreCommands(program: Command, context: ProgramContext): void {
  const { embedded, remote, out, write } = context;
  program
    .command('token')
    .description('Manage API tokens')
    .command('create')
    .description('Create an API token in the local store; prints the secret once')
    .requiredOption('--role <role>', 'admin, member or viewer')
    .option('--name <name>', 'who or what uses it')
    .action(async (options: { role: string; name?: string }) => {
      const { store } = await embedded();
      out.write(await createTokenCommand(store, options.role, options.name));
    });

  const repo = program
    .command('repo')
    .description(
      "Registered repositories: on a server, sessions, hooks, schedules and Slack run only on these (with DRYDOCK_URL: that server's)",
    );
  let repoStore: Awaited<ReturnType<typeof openDataStore>> | null = null;
  const registry = async () => {
    const client = remote();
    if (client) return remoteRepoRegistry(client);
    repoStore ??= await openDataStore(process.env);
    return localRepoRegistry(repoStore);
  };
  repo.hook('postAction', async () => {
    await repoStore?.store.close();
  });
  repo
    .command('add')
    .description('Register a local git repository (its top-level directory) or a forge repository')
    .argument('<repo>', 'a path (made absolute here) or owner/name')
    .action(async (name: string) => {
      await repoAdd(await registry(), name, write);
    });
  repo
    .command('list')
    .description('List the registered repositories, oldest first')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await repoList(await registry(), { json: options.json ?? false, now: new Date() }, write);
    });
  repo
    .command('rm')
    .description('Remove a registration: no new sessions on it (sessions on it stay)')
    .argument('<repo>', 'its id, path or owner/name')
    .action(async (name: string) => {
      await repoRemove(await registry(), name, write);
    });

  let deskStore: Awaited<ReturnType<typeof openDataStore>> | null = null;
  registerKnowledgeCommands(
    program,
    async () => {
      const client = remote();
      if (client) return remoteKnowledgeDesk(client);
      deskStore ??= await openDataStore(process.env);
      return localKnowledgeDesk(deskStore.store);
    },
    write,
  );
  program.hook('postAction', async () => {
    await deskStore?.store.close();
  });
  registerPlaybookCommands(
    program,
    async () => {
      const client = remote();
      if (client) return remotePlaybookDesk(client);
      deskStore ??= await openDataStore(process.env);
      return localPlaybookDesk(deskStore.store);
    },
    write,
  );
  let limitStore: Awaited<ReturnType<typeof openDataStore>> | null = null;
  registerLimitsCommands(
    program,
    async () => {
      const client = remote();
      if (client) return remoteLimitRegistry(client);
      limitStore ??= await openDataStore(process.env);
      return localLimitRegistry(limitStore.store, spendLimitsFromEnv(process.env));
    },
    write,
  );
  program.hook('postAction', async () => {
    await limitStore?.store.close();
  });
}
