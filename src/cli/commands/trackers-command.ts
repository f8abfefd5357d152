import type { Command } from 'commander';
import { openDataStore } from '../cli-context.ts';
import type { RemoteClient } from '../remote-client.ts';

type Write = (text: string) => void;
type Flags = Record<string, string | boolean | undefined>;

/**
 * `drydock trackers connect|connections|disconnect`: against DRYDOCK_URL's server when `remote()` gives a
 * client, else this machine's store. The trackers' SDKs load only when one of these runs (trackers.ts).
 */
export function registerTrackerCommands(
  program: Command,
  remote: () => RemoteClient | null,
  write: Write,
): void {
  let opened: Awaited<ReturnType<typeof openDataStore>> | null = null;
  const load = async () => {
    const commands = await import('./trackers.ts');
    const client = remote();
    if (client) return { commands, desk: commands.remoteTrackerDesk(client) };
    opened ??= await openDataStore(process.env);
    return { commands, desk: await commands.localTrackerDesk(opened, process.env) };
  };
  program.hook('postAction', async () => {
    await opened?.store.close();
  });
  const trackers = program
    .command('trackers')
    .description(
      "Linear and Jira connections: secrets sealed at rest, never in a sandbox (with DRYDOCK_URL: that server's, admin token)",
    );
  trackers
    .command('connect')
    .description(
      'Connect Linear or Jira, or change its connection. Secrets are asked for (no echo) on a terminal, else read from stdin one per line: Linear: API key, then webhook secret; Jira: API token, then webhook secret. An empty line keeps the stored one',
    )
    .argument('<tracker>', 'linear or jira')
    .option('--handle <name>', 'Linear: the @name comments mention (default drydock)')
    .option('--api-url <url>', "Linear: the GraphQL endpoint (default Linear's)")
    .option('--url <site>', 'Jira: the site, https://your-domain.atlassian.net')
    .option('--email <email>', "Jira: drydock's Atlassian account")
    .option('--label <label>', 'Jira: the label that asks drydock for work (default drydock)')
    .option('--no-check', 'store without checking the credentials with the tracker')
    .action(async (kind: string, flags: Flags) => {
      const { commands, desk } = await load();
      const stdin = process.stdin;
      await commands.trackersConnect(
        desk,
        kind,
        flags,
        (tracker) =>
          commands.readTrackerSecrets(tracker, {
            lines: stdin,
            prompt: stdin.isTTY ? commands.hiddenPrompt(stdin, process.stderr) : null,
          }),
        write,
      );
    });
  trackers
    .command('connections')
    .description('Which trackers are connected, from where, with their settings (never a secret)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const { commands, desk } = await load();
      await commands.trackersList(desk, { json: options.json ?? false }, write);
    });
  trackers
    .command('disconnect')
    .description('Remove a stored connection: its webhooks answer 503 from then on')
    .argument('<tracker>', 'linear or jira')
    .action(async (kind: string) => {
      const { commands, desk } = await load();
      await commands.trackersDisconnect(desk, kind, write);
    });
}
