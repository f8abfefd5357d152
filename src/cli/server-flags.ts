import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { EmbeddedOptions } from './cli-context.ts';
import { dataHome } from './data-home.ts';
import { DISK_FLAG_HELP } from './disk-flag.ts';
import { REASONING_HELP } from './reasoning-flag.ts';
import { sandboxChoice } from './sandbox-flags.ts';

export const FRIEND_MODEL_HELP =
  'a stronger model the coder may consult (ask_friend) and drydock asks after repeated gate failures (default: $DRYDOCK_FRIEND_MODEL, else none)';

const SCRIPTS_DIR_HELP =
  'the one directory script:<name> model files are read from on this server (default: <DRYDOCK_HOME>/scripts)';

/** Where a server reads `script:` files from: the flag, else `<DRYDOCK_HOME>/scripts`, made absolute. */
export function scriptModelsDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(flag?.trim() || join(dataHome(env), 'scripts'));
}

/** The flags of every command that runs sessions for others (`up`, `mcp`, `worker`). */
export interface ServerFlags {
  concurrency: string;
  scriptModelsDir?: string;
  sandbox?: string;
  disk?: string;
  reasoning?: string;
}

/** Adds the ServerFlags' options to a command. */
export function serverOptions(command: Command): Command {
  return command
    .option('--concurrency <n>', 'sessions run at once', '2')
    .option('--script-models-dir <dir>', SCRIPTS_DIR_HELP)
    .option('--sandbox <kind>', 'bubblewrap (default) or none (no isolation: warns on every run)')
    .option('--disk <size>', DISK_FLAG_HELP)
    .option('--reasoning <effort>', REASONING_HELP);
}

/** How a server's sessions are wired from its flags: the sandbox, the disk quota, the scripts, the reasoning. */
export function serverWiring(
  options: ServerFlags,
  env: NodeJS.ProcessEnv,
): Pick<EmbeddedOptions, 'sandbox' | 'disk' | 'scriptsDir' | 'reasoning'> {
  return {
    sandbox: sandboxChoice(options.sandbox, env),
    disk: options.disk,
    scriptsDir: scriptModelsDir(options.scriptModelsDir, env),
    ...(options.reasoning === undefined ? {} : { reasoning: options.reasoning }),
  };
}
