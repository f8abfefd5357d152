import type { Command } from 'commander';
import type { ProgramContext } from '../program-context.ts';
import {
  attemptsView,
  formatFollowUps,
  formatSession,
  formatSessionList,
  getSessionOrThrow,
  printLogs,
  sessionDocument,
} from './inspect.ts';
import { applyPulledWork, pullEmbedded, pullRemote } from './pull.ts';
import { remoteLogs, remoteSessions, remoteShow } from './remote.ts';
import { formatChildren } from './session-tree.ts';

/** `drydock sessions`, `show` and `logs`: read sessions, embedded or from the server at DRYDOCK_URL. */
export function registerSessionCommands(program: Command, context: ProgramContext): void {
  const { embedded, remote, out, write } = context;
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
}

/** `drydock pull`: a session's commits as a local branch of the current repository. */
export function registerPullCommand(program: Command, context: ProgramContext): void {
  const { embedded, remote, out } = context;
  program
    .command('pull')
    .description(
      "Apply a session's commits as a local branch of the current repository (current branch untouched)",
    )
    .argument('<id>', 'session id')
    .option('--branch <name>', 'the new branch (default: the session branch)')
    .action(async (id: string, options: { branch?: string }) => {
      const client = remote();
      const work = client ? await pullRemote(client, id) : await pullEmbedded(await embedded(), id);
      out.write(await applyPulledWork(work, process.cwd(), options.branch));
    });
}
