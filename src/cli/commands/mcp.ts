import { styleText } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import { BadInputError } from '../../core/errors.ts';
import { createDrydockMcpServer } from '../../mcp/drydock-mcp-server.ts';
import { LOCAL_CALLER } from '../../mcp/mcp-caller.ts';
import { friendSpecFromEnv, modelSpecFromEnv } from '../../models/router.ts';
import { createInProcessQueue } from '../../queue/in-process-queue.ts';
import { createInProcessEventBus } from '../../server/event-bus.ts';
import { createLogger } from '../../server/logger.ts';
import { createSessionControl } from '../../server/session-control.ts';
import { createStorePoller } from '../../server/store-poller.ts';
import { createWorker } from '../../server/worker.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import type { EmbeddedOptions } from '../cli-context.ts';
import { openSharedQueue, positiveInteger } from '../open-queue.ts';
import { FRIEND_MODEL_HELP, type ServerFlags, serverOptions, serverWiring } from '../server-flags.ts';
import { sweepAtStartup } from '../startup-sweep.ts';
import { DRYDOCK_VERSION } from '../version.ts';

export interface McpStdioOptions {
  concurrency: number;
  allowScriptModels: boolean;
  /** The `--friend-model` flag: the friend of sessions whose request names none (else DRYDOCK_FRIEND_MODEL). */
  friendModel?: string;
}

/** How long running sessions get to reach a saved step when the client goes away; they resume on the next start. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * `drydock mcp`: drydock as an MCP server on stdin and stdout, for a client that starts it (Claude Code,
 * Cursor, Codex), embedded like `drydock up`: the same data home, and a worker in this process running
 * the sessions it creates (and, on an in-process queue, any the store has live, as `drydock up` does).
 * The caller is the local operator, who may do anything. stdout carries the protocol and nothing else:
 * warnings and logs go to stderr. Ends when the client closes stdin, or on SIGINT or SIGTERM.
 */
export async function runMcpStdio(
  deps: SessionDeps,
  options: McpStdioOptions,
  env: NodeJS.ProcessEnv,
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<void> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new BadInputError(
      'invalid_concurrency',
      `--concurrency must be 1 or more, got ${options.concurrency}.`,
    );
  }
  const log = createLogger({ env });
  const warning = deps.sandboxes.capabilities.warning;
  if (warning) io.stderr.write(`${styleText(['bold', 'yellow'], `WARNING: ${warning}`)}\n`);
  await deps.sandboxes.check();
  await sweepAtStartup(deps, io.stderr);
  const shared = openSharedQueue(env, deps.home, deps.clock);
  const queue = shared ?? createInProcessQueue({ clock: deps.clock });
  const bus = createInProcessEventBus();
  const worker = createWorker({
    deps,
    queue,
    bus,
    concurrency: options.concurrency,
    // As drydock up: the in-process queue starts empty, so it is refilled with every live session.
    recover: shared ? 'queued' : 'live',
    log,
  });
  const control = createSessionControl({ store: deps.store, queue, worker });
  const defaultFriendModel = friendSpecFromEnv(options.friendModel, env);
  const server = createDrydockMcpServer(
    {
      sessions: deps,
      bus,
      control,
      poller: createStorePoller(deps.store, bus),
      defaultModel: modelSpecFromEnv(undefined, env),
      ...(defaultFriendModel === undefined ? {} : { defaultFriendModel }),
      allowScriptModels: options.allowScriptModels,
      version: DRYDOCK_VERSION,
      log,
    },
    () => LOCAL_CALLER,
  );
  await worker.start();
  const transport = new StdioServerTransport(io.stdin as NodeJS.ReadStream, io.stdout as NodeJS.WriteStream);
  const ended = new Promise<void>((resolve) => {
    const end = () => {
      process.off('SIGINT', end);
      process.off('SIGTERM', end);
      resolve();
    };
    // The transport does not watch for the end of its input: a client that goes away closes stdin.
    io.stdin.once('end', end);
    io.stdin.once('close', end);
    transport.onclose = end;
    process.on('SIGINT', end);
    process.on('SIGTERM', end);
  });
  await server.connect(transport);
  log.info({ component: 'mcp' }, 'drydock mcp serving on stdio');
  await ended;
  // Running sessions stop after their next saved step and stay live: the next start resumes them.
  await worker.stop(STOP_TIMEOUT_MS);
  await server.close();
  await queue.close();
}

/** `drydock mcp`: drydock as an MCP server on stdio, its sessions run in this process. */
export function registerMcpCommand(
  program: Command,
  embedded: (options: EmbeddedOptions) => Promise<SessionDeps>,
  out: NodeJS.WritableStream,
): void {
  serverOptions(
    program
      .command('mcp')
      .description(
        'drydock as an MCP server on stdio, for Claude Code, Cursor or any MCP client (docs/mcp.md); runs sessions in this process',
      ),
  )
    .option(
      '--allow-script-models',
      'accept script: models (tests and demos); read only from the scripts directory',
    )
    .option(
      '--friend-model <provider:model>',
      `the friend of sessions whose request names none: ${FRIEND_MODEL_HELP}`,
    )
    .action(async (options: ServerFlags & { allowScriptModels?: boolean; friendModel?: string }) => {
      await runMcpStdio(
        await embedded({ ...serverWiring(options, process.env), warmPool: 1 }),
        {
          concurrency: positiveInteger(options.concurrency, '--concurrency'),
          allowScriptModels: options.allowScriptModels ?? false,
          ...(options.friendModel === undefined ? {} : { friendModel: options.friendModel }),
        },
        process.env,
        { stdin: process.stdin, stdout: out, stderr: process.stderr },
      );
    });
}
