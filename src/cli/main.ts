import { Command, CommanderError } from 'commander';
import { describeError, isDrydockError } from '../core/errors.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { type EmbeddedOptions, openEmbedded } from './cli-context.ts';
import { registerEnvironmentCommands } from './commands/environment-commands.ts';
import { registerEvalCommands } from './commands/eval.ts';
import { registerGcCommand } from './commands/gc.ts';
import { registerMcpCommand } from './commands/mcp.ts';
import { registerReviewCommand } from './commands/review.ts';
import { registerRunCommands } from './commands/run-command.ts';
import { registerUpCommand, registerWorkerCommand } from './commands/server-commands.ts';
import { registerPullCommand, registerSessionCommands } from './commands/session-commands.ts';
import { registerStoreCommands } from './commands/store-commands.ts';
import { registerTrackerCommands } from './commands/trackers-command.ts';
import { EXIT } from './exit-codes.ts';
import { type ProgramContext, remoteFromEnv } from './program-context.ts';

const out = process.stdout;

const write = (text: string) => out.write(text);

function buildProgram(setExitCode: (code: number) => void): Command {
  let deps: SessionDeps | null = null;
  const embedded = async (options: EmbeddedOptions = {}) => {
    deps ??= await openEmbedded(process.env, process.cwd(), options);
    return deps;
  };
  const program = new Command('drydock')
    .description('Background coding agents: a task in, a verified branch (or an honest report) out.')
    .exitOverride()
    .showHelpAfterError('(run drydock --help for usage)');
  program.hook('postAction', async () => {
    // Idle pooled sandboxes hold mounts and disk images: none may outlive the process.
    await deps?.layers?.pool?.drain();
    await deps?.sandboxes.close?.();
    await deps?.store.close();
  });

  const context: ProgramContext = { embedded, remote: remoteFromEnv, out, write, setExitCode };
  registerRunCommands(program, context);
  registerSessionCommands(program, context);
  registerUpCommand(program, context);
  registerMcpCommand(program, (options) => embedded(options), out);
  registerWorkerCommand(program, context);
  registerStoreCommands(program, context);
  registerTrackerCommands(program, remoteFromEnv, write);
  registerPullCommand(program, context);
  registerReviewCommand(program, (options) => embedded(options), setExitCode);
  registerEnvironmentCommands(program, () => embedded());
  registerGcCommand(program, () => embedded(), out);
  registerEvalCommands(program, (options) => embedded(options), setExitCode);
  return program;
}

async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other parse failure is bad input.
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (isDrydockError(error)) {
      process.stderr.write(`drydock: ${error.message}\n`);
      const userError = ['bad_input', 'not_found', 'conflict', 'unauthenticated', 'forbidden', 'too_large'];
      return userError.includes(error.kind) ? EXIT.badInput : EXIT.internal;
    }
    process.stderr.write(`drydock: internal error: ${describeError(error)}\n`);
    if (process.env.DRYDOCK_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return EXIT.internal;
  }
}

process.exitCode = await main(process.argv);
