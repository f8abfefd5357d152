import type { Command } from 'commander';
import { DEFAULT_BUDGET, FRIEND_COST_SHARE } from '../../core/session.ts';
import { friendSpecFromEnv, modelSpecFromEnv } from '../../models/router.ts';
import { budgetFromFlags } from '../budget-flags.ts';
import { DISK_FLAG_HELP } from '../disk-flag.ts';
import { exitCodeFor } from '../exit-codes.ts';
import { maxChildrenFrom } from '../max-children.ts';
import type { ProgramContext } from '../program-context.ts';
import { REASONING_HELP } from '../reasoning-flag.ts';
import {
  ATTEMPTS_HELP,
  attemptsFromFlags,
  MODELS_HELP,
  playbookFromFlags,
  type RunOptions,
} from '../run-flags.ts';
import { allowHostRules, sandboxChoice } from '../sandbox-flags.ts';
import { FRIEND_MODEL_HELP } from '../server-flags.ts';
import { runDemo } from './demo.ts';
import { remoteRun } from './remote.ts';
import { printEnding, runInForeground } from './run.ts';

/** `drydock demo` and `drydock run`: a session in the foreground (or, with DRYDOCK_URL, on that server). */
export function registerRunCommands(program: Command, context: ProgramContext): void {
  const { embedded, remote, out, write, setExitCode } = context;
  program
    .command('demo')
    .description('Run a session offline on a generated sample repository with the scripted demo model')
    .option('--sandbox <kind>', 'bubblewrap (default) or none (no isolation: warns on every run)')
    .action(async (options: { sandbox?: string }) => {
      const sandbox = sandboxChoice(options.sandbox, process.env);
      const session = await runDemo(await embedded({ sandbox }), out);
      setExitCode(exitCodeFor(session.state));
    });

  program
    .command('run')
    .description('Run a coding task against a local git repository; the result is a new branch there')
    .argument('[task]', 'what to do, in plain words (with --playbook: an optional note after its steps)')
    .requiredOption('--repo <path>', 'path of a local git repository')
    .option(
      '--playbook <name>',
      "run the repository's (or the server's) playbook of that name (docs/playbooks.md)",
    )
    .option(
      '--input <name=value>',
      'a playbook input (repeatable); `drydock playbook show <name>` lists them',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('--ref <ref>', 'branch, tag or commit to start from', 'HEAD')
    .option('--model <provider:model>', 'model (default: $DRYDOCK_MODEL, else anthropic:claude-sonnet-4-5)')
    .option('--reasoning <effort>', REASONING_HELP)
    .option('--max-steps <n>', `model calls at most (default ${DEFAULT_BUDGET.maxSteps})`)
    .option('--max-minutes <n>', `agent wall time at most (default ${DEFAULT_BUDGET.maxWallTimeMs / 60_000})`)
    .option('--max-tokens <n>', `input plus output tokens at most (default ${DEFAULT_BUDGET.maxTokens})`)
    .option('--sandbox <kind>', 'bubblewrap (default) or none (no isolation: warns on every run)')
    .option('--disk <size>', DISK_FLAG_HELP)
    .option(
      '--allow-host <host[:port]>',
      "a host the sandbox may reach through drydock's proxy (repeatable; default: no network)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--max-cost <usd>',
      `model cost at most, in US dollars, for the whole run (attempts share it) (default ${DEFAULT_BUDGET.maxCostUsd})`,
    )
    .option('--attempts <n>', ATTEMPTS_HELP)
    .option('--models <a,b,...>', MODELS_HELP)
    .option('--friend-model <provider:model>', FRIEND_MODEL_HELP)
    .option('--manager', 'a manager agent splits the task among child sessions and integrates their work')
    .option(
      '--max-children <n>',
      'children a manager may spawn at most (default: $DRYDOCK_MAX_CHILDREN, else 5)',
    )
    .option(
      '--max-friend-consults <n>',
      `consults of the friend at most (default ${DEFAULT_BUDGET.maxFriendConsults})`,
    )
    .option(
      '--max-friend-cost <usd>',
      `what the friend's answers may cost, in US dollars (default ${FRIEND_COST_SHARE * 100}% of --max-cost)`,
    )
    .action(async (taskArgument: string | undefined, options: RunOptions) => {
      const client = remote();
      const friendModel = friendSpecFromEnv(options.friendModel, process.env);
      const attempts = attemptsFromFlags(options);
      const task = taskArgument ?? '';
      const playbook = playbookFromFlags(options);
      if (client) {
        // The server's own budget and sandbox apply; the model is passed on when given.
        const model = options.model ?? process.env.DRYDOCK_MODEL;
        const request = {
          task,
          repo: options.repo,
          ref: options.ref,
          ...(model ? { model } : {}),
          ...(friendModel ? { friendModel } : {}),
          ...(options.manager ? { mode: 'manager' as const } : {}),
          ...attempts,
          ...(playbook ? { playbook: playbook.name, inputs: playbook.inputs } : {}),
        };
        setExitCode(await remoteRun(client, request, write));
        return;
      }
      const budget = budgetFromFlags(options, DEFAULT_BUDGET);
      const sandbox = sandboxChoice(options.sandbox, process.env);
      const allowHosts = allowHostRules(options.allowHost);
      const context = {
        ...(await embedded({
          sandbox,
          disk: options.disk,
          ...(options.reasoning === undefined ? {} : { reasoning: options.reasoning }),
        })),
        budget,
        allowHosts,
      };
      const maxChildren = maxChildrenFrom(options.maxChildren, process.env);
      if (maxChildren !== undefined) context.maxChildren = maxChildren;
      // With --models and no --model, the first attempt's model is the session's (its judge's).
      const model = modelSpecFromEnv(options.model ?? attempts.models?.[0], process.env);
      const session = await runInForeground(
        context,
        {
          task,
          repo: options.repo,
          ref: options.ref,
          model,
          ...(friendModel ? { friendModel } : {}),
          ...(options.manager ? { mode: 'manager' as const } : {}),
          ...attempts,
          ...(playbook
            ? { playbook, modelIsDefault: options.model === undefined && attempts.models === undefined }
            : {}),
        },
        out,
      );
      await printEnding(context, session, out);
      setExitCode(exitCodeFor(session.state));
    });
}
