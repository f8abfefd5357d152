import type { Command } from 'commander';
import { NO_SECRETS } from '../../environments/secret-vault.ts';
import { showChecks } from '../../sessions/repository-checks.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import { envBuild, envList, envRemove } from './env.ts';
import { secretList, secretRemove, secretSet } from './secret.ts';

const write = (text: string) => {
  process.stdout.write(text);
};

/** `drydock env build|list|rm` and `drydock secret set|list|rm`: embedded only (this machine's store). */
export function registerEnvironmentCommands(program: Command, embedded: () => Promise<SessionDeps>): void {
  const env = program.command('env').description('Environment images: a repository after its setup ran');
  env
    .command('build')
    .description(
      "Build a repository's environment image (runs its setup), or say that the current one stands",
    )
    .argument('<repo>', 'path of a local git repository')
    .option('--ref <ref>', 'branch, tag or commit whose setup inputs to use', 'HEAD')
    .option('--force', 'build a new image even when the current one is fresh')
    .action(async (repo: string, options: { ref: string; force?: boolean }) => {
      await envBuild(await embedded(), repo, { ref: options.ref, force: options.force ?? false }, write);
    });
  env
    .command('list')
    .description('List environment images, newest first')
    .option('--repo <path>', "only this repository's")
    .action(async (options: { repo?: string }) => {
      await envList(await embedded(), options.repo, write);
    });
  env
    .command('rm')
    .description('Remove an environment image (the next session on its repository builds a new one)')
    .argument('<id>', 'image id (from drydock env list)')
    .action(async (id: string) => {
      await envRemove(await embedded(), id, write);
    });

  program
    .command('checks')
    .description(
      "Show what drydock detects and runs for a repository's checks (setup, runner, report) and the per-test result of a baseline run",
    )
    .argument('<repo>', 'path of a local git repository')
    .option('--ref <ref>', 'branch, tag or commit to check', 'HEAD')
    .option('--no-run', 'only detect: do not set up or run the checks')
    .option('--all', 'list every test, not only the failing ones')
    .action(async (repo: string, options: { ref: string; run: boolean; all?: boolean }) => {
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      await showChecks(
        await embedded(),
        repo,
        { ref: options.ref, run: options.run, all: options.all ?? false, signal: controller.signal },
        write,
      );
    });

  const secret = program
    .command('secret')
    .description('Secrets for setup, start and agent phases: encrypted at rest, injected where declared');
  secret
    .command('set')
    .description('Set a secret; the value is read from stdin (echo -n VALUE | drydock secret set NAME)')
    .argument('<name>', 'environment variable name, e.g. NPM_TOKEN')
    .option('--repo <path>', 'only for this repository (default: every repository)')
    .action(async (name: string, options: { repo?: string }) => {
      const deps = await embedded();
      await secretSet(deps.vault ?? NO_SECRETS, deps.store, name, options.repo, process.stdin, write);
    });
  secret
    .command('list')
    .description('List secret names and scopes (never values)')
    .option('--repo <path>', "only this repository's own")
    .action(async (options: { repo?: string }) => {
      const deps = await embedded();
      await secretList(deps.vault ?? NO_SECRETS, options.repo, write);
    });
  secret
    .command('rm')
    .description('Remove a secret')
    .argument('<name>', 'secret name')
    .option('--repo <path>', 'the repository it was set for (default: the global one)')
    .action(async (name: string, options: { repo?: string }) => {
      const deps = await embedded();
      await secretRemove(deps.vault ?? NO_SECRETS, deps.store, name, options.repo, write);
    });
}
