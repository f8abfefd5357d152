import type { Command } from 'commander';
import { positiveInteger } from '../open-queue.ts';
import type { ProgramContext } from '../program-context.ts';
import { FRIEND_MODEL_HELP, type ServerFlags, serverOptions, serverWiring } from '../server-flags.ts';

/** `drydock up`: the control plane, its web UI and (unless --no-worker) a worker, in this process. */
export function registerUpCommand(program: Command, context: ProgramContext): void {
  const { embedded, out } = context;
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
        const { runUp } = await import('./up.ts');
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
}

/** `drydock worker`: runs sessions from the Postgres queue. */
export function registerWorkerCommand(program: Command, context: ProgramContext): void {
  const { embedded, out } = context;
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
      const { runWorker } = await import('./worker.ts');
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
}
