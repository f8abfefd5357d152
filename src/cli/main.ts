import { Command, CommanderError } from 'commander';
import { BadInputError, describeError, isDrydockError } from '../core/errors.ts';
import { inputsFromPairs } from '../core/playbook.ts';
import { DEFAULT_BUDGET, FRIEND_COST_SHARE } from '../core/session.ts';
import { friendSpecFromEnv, modelSpecFromEnv } from '../models/router.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { spendLimitsFromEnv } from '../sessions/spend-limits.ts';
import { type BudgetFlags, budgetFromFlags } from './budget-flags.ts';
import { type EmbeddedOptions, openDataStore, openEmbedded } from './cli-context.ts';
import { runDemo } from './commands/demo.ts';
import { registerEnvironmentCommands } from './commands/environment-commands.ts';
import { registerEvalCommands } from './commands/eval.ts';
import { registerGcCommand } from './commands/gc.ts';
import {
  attemptsView,
  formatFollowUps,
  formatSession,
  formatSessionList,
  getSessionOrThrow,
  printLogs,
  sessionDocument,
} from './commands/inspect.ts';
import { localKnowledgeDesk, registerKnowledgeCommands, remoteKnowledgeDesk } from './commands/knowledge.ts';
import { localLimitRegistry, registerLimitsCommands, remoteLimitRegistry } from './commands/limits.ts';
import { registerMcpCommand } from './commands/mcp.ts';
import { localPlaybookDesk, registerPlaybookCommands, remotePlaybookDesk } from './commands/playbook.ts';
import { applyPulledWork, pullEmbedded, pullRemote } from './commands/pull.ts';
import { remoteLogs, remoteRun, remoteSessions, remoteShow } from './commands/remote.ts';
import { localRepoRegistry, remoteRepoRegistry, repoAdd, repoList, repoRemove } from './commands/repo.ts';
import { registerReviewCommand } from './commands/review.ts';
import { printEnding, runInForeground } from './commands/run.ts';
import { formatChildren } from './commands/session-tree.ts';
import { createTokenCommand } from './commands/token.ts';
import { registerTrackerCommands } from './commands/trackers-command.ts';
import { DISK_FLAG_HELP } from './disk-flag.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { maxChildrenFrom } from './max-children.ts';
import { positiveInteger } from './open-queue.ts';
import { REASONING_HELP } from './reasoning-flag.ts';
import { createRemoteClient } from './remote-client.ts';
import { allowHostRules, sandboxChoice } from './sandbox-flags.ts';
import { FRIEND_MODEL_HELP, type ServerFlags, serverOptions, serverWiring } from './server-flags.ts';

const out = process.stdout;

const write = (text: string) => out.write(text);

/** With DRYDOCK_URL set, commands talk to that server instead of running embedded. */
function remote() {
  const url = process.env.DRYDOCK_URL?.trim();
  return url ? createRemoteClient(url, process.env.DRYDOCK_TOKEN) : null;
}

type RunOptions = {
  repo: string;
  ref: string;
  model?: string;
  friendModel?: string;
  reasoning?: string;
  sandbox?: string;
  disk?: string;
  allowHost: string[];
  manager?: boolean;
  maxChildren?: string;
  attempts?: string;
  models?: string;
  playbook?: string;
  input: string[];
} & BudgetFlags;

const ATTEMPTS_HELP =
  'best of N: run the task N times (2 to 8) with the model, in parallel, and deliver the attempt the gate and the review (and on a tie a judge) choose (docs/attempts.md)';
const MODELS_HELP =
  'best of N with one attempt per model spec, comma-separated (any providers); the first is the judge unless --model is given';

/** `--attempts N` or `--models a,b` as a request's fields; both together are refused by createSession. */
function attemptsFromFlags(options: { attempts?: string; models?: string }): {
  attempts?: number;
  models?: string[];
} {
  return {
    ...(options.attempts === undefined ? {} : { attempts: Number(options.attempts) }),
    ...(options.models === undefined ? {} : { models: options.models.split(',').map((spec) => spec.trim()) }),
  };
}

/** `--playbook NAME --input k=v ...` as a request's playbook; inputs without a playbook are refused. */
function playbookFromFlags(options: {
  playbook?: string;
  input: string[];
}): { name: string; inputs: Record<string, string> } | undefined {
  if (options.playbook === undefined) {
    if (options.input.length > 0) {
      throw new BadInputError('unknown_playbook_input', '--input is for a playbook: add --playbook <name>.');
    }
    return undefined;
  }
  return { name: options.playbook.trim(), inputs: inputsFromPairs(options.input) };
}

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

  program
    .command('sessions')
    .description('List sessions, newest first')
    .option('--json', 'print JSON')
    .option('--state <state>', 'only sessions in this state')
    .action(async (options: { json?: boolean; state?: string }) => {
      const client = remote();
      if (client) {
        await remoteSessions(
          client,
          { json: options.json ?? false, ...(options.state ? { state: options.state } : {}) },
          write,
        );
        return;
      }
      const { store, clock } = await embedded();
      // Top-level sessions: an attempts session stands for its attempts (drydock show lists them).
      const sessions = await store.listSessions({
        parentId: null,
        ...(options.state ? { state: options.state as never } : {}),
      });
      out.write(
        options.json ? `${JSON.stringify(sessions, null, 2)}\n` : formatSessionList(sessions, clock.now()),
      );
    });

  program
    .command('show')
    .description('Show one session: state, repository, branch, commits, steps, usage, summary or reason')
    .argument('<id>', 'session id')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const client = remote();
      if (client) {
        await remoteShow(client, id, { json: options.json ?? false }, write);
        return;
      }
      const { store } = await embedded();
      const session = await getSessionOrThrow(store, id);
      if (options.json) {
        const artifacts = await store.listArtifacts(id);
        out.write(`${JSON.stringify({ ...session, artifacts }, null, 2)}\n`);
      } else {
        out.write(formatSession(session));
        out.write(formatFollowUps(await store.listEvents(id)));
        if (session.kind === 'manager') {
          out.write(formatChildren(await store.listSessions({ parentId: id, order: 'oldest', limit: 1000 })));
        }
        const attempts = await attemptsView(store, session);
        if (attempts) out.write(`\n${attempts}`);
        const document = await sessionDocument(store, session);
        if (document) out.write(`\n${document}\n`);
      }
    });

  program
    .command('logs')
    .description("Print a session's event log")
    .argument('<id>', 'session id')
    .option('-f, --follow', 'keep printing new events until the session ends')
    .option('--json', 'one JSON event per line')
    .action(async (id: string, options: { follow?: boolean; json?: boolean }) => {
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      const client = remote();
      if (client) {
        const flags = {
          follow: options.follow ?? false,
          json: options.json ?? false,
          signal: controller.signal,
        };
        await remoteLogs(client, id, flags, write);
        return;
      }
      const { store } = await embedded();
      await printLogs(
        store,
        id,
        { follow: options.follow ?? false, json: options.json ?? false, signal: controller.signal },
        (text) => out.write(text),
      );
    });

  serverOptions(
    program
      .command('up')
      .description('Start the control plane: HTTP API, web UI and a worker, in this process')
      .option('--port <port>', 'port to listen on', '7700')
      .option('--host <host>', 'address to listen on', '127.0.0.1'),
  )
    .option(
      '--allow-script-models',
      'accept script: models over the API (tests and demos); their files are read only from the scripts directory',
    )
    .option('--no-worker', 'control plane only: sessions run in drydock worker processes (needs Postgres)')
    .option('--lease-ms <ms>', 'how long a dead worker holds a session before another resumes it', '30000')
    .option(
      '--friend-model <provider:model>',
      `the friend of sessions whose request names none: ${FRIEND_MODEL_HELP}`,
    )
    .action(
      async (
        options: ServerFlags & {
          port: string;
          friendModel?: string;
          host: string;
          allowScriptModels?: boolean;
          worker: boolean;
          leaseMs: string;
        },
      ) => {
        const wiring = serverWiring(options, process.env);
        const env: Record<string, string> = {};
        for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
        // The server, its triggers and their SDKs load only for `up`: every other command starts faster.
        const { runUp } = await import('./commands/up.ts');
        await runUp(
          // Sessions run in the worker thread, which keeps the warm pool; a control plane alone keeps one
          // as before.
          await embedded({ ...wiring, warmPool: options.worker ? 0 : 1 }),
          {
            port: Number(options.port),
            host: options.host,
            concurrency: Number(options.concurrency),
            allowScriptModels: options.allowScriptModels ?? false,
            ...(options.friendModel === undefined ? {} : { friendModel: options.friendModel }),
            noWorker: !options.worker,
            leaseMs: positiveInteger(options.leaseMs, '--lease-ms'),
            ...(options.worker
              ? { workerDeps: { env, cwd: process.cwd(), options: { ...wiring, warmPool: 1 } } }
              : {}),
          },
          process.env,
          out,
        );
      },
    );

  registerMcpCommand(program, (options) => embedded(options), out);

  serverOptions(
    program
      .command('worker')
      .description('Run sessions from the Postgres queue (DRYDOCK_DATABASE_URL) until SIGTERM'),
  )
    .option('--lease-ms <ms>', 'how long a dead worker holds a session before another resumes it', '30000')
    .option(
      '--poll-ms <ms>',
      'how often an idle worker asks the queue for work (NOTIFY wakes it sooner)',
      '1000',
    )
    .option(
      '--drain-seconds <s>',
      'on SIGTERM, how long running sessions get to finish their current step before they are handed back as they are',
      '30',
    )
    .action(async (options: ServerFlags & { leaseMs: string; pollMs: string; drainSeconds: string }) => {
      const { runWorker } = await import('./commands/worker.ts');
      await runWorker(
        await embedded({ ...serverWiring(options, process.env), warmPool: 1 }),
        {
          concurrency: positiveInteger(options.concurrency, '--concurrency'),
          leaseMs: positiveInteger(options.leaseMs, '--lease-ms'),
          pollMs: positiveInteger(options.pollMs, '--poll-ms'),
          drainMs: positiveInteger(options.drainSeconds, '--drain-seconds') * 1000,
        },
        process.env,
        out,
      );
    });

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
  registerTrackerCommands(program, remote, write);

  program
    .command('pull')
    .description(
      "Apply a session's commits as a local branch of the current repository (current branch untouched)",
    )
    .argument('<id>', 'session id')
    .option('--branch <name>', 'the new branch (default: the session branch)')
    .action(async (id: string, options: { branch?: string }) => {
      const url = process.env.DRYDOCK_URL?.trim();
      const work = url
        ? await pullRemote(createRemoteClient(url, process.env.DRYDOCK_TOKEN), id)
        : await pullEmbedded(await embedded(), id);
      out.write(await applyPulledWork(work, process.cwd(), options.branch));
    });

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
