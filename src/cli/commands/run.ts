import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { styleText } from 'node:util';
import { isDelivered, type Session } from '../../core/session.ts';
import { diffStat } from '../../forge/local-delivery.ts';
import { createSession } from '../../sessions/create-session.ts';
import { withReadableWorkspace } from '../../sessions/readable-workspace.ts';
import { runSession } from '../../sessions/run-session.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import { EventRenderer } from '../render-event.ts';
import { Spinner } from '../spinner.ts';
import { sweepAtStartup } from '../startup-sweep.ts';
import { sessionDocument } from './inspect.ts';

export interface RunRequest {
  task: string;
  repo: string;
  ref?: string;
  model: string;
  mode?: 'manager';
  friendModel?: string;
  /** Best of N (docs/attempts.md). */
  attempts?: number;
  models?: string[];
  /** A playbook and its inputs (docs/playbooks.md); its model applies when `modelIsDefault`. */
  playbook?: { name: string; inputs: Record<string, string> };
  modelIsDefault?: boolean;
}

/**
 * Creates a session and runs it in this process, printing one line per step. Ctrl-C cancels the
 * session (the sandbox's processes are killed) instead of leaving it half-done.
 */
export async function runInForeground(
  deps: SessionDeps,
  request: RunRequest,
  out: NodeJS.WriteStream,
): Promise<Session> {
  const warning = deps.sandboxes.capabilities.warning;
  if (warning) process.stderr.write(`\n${styleText(['bold', 'yellow'], `WARNING: ${warning}`)}\n\n`);
  await deps.sandboxes.check();
  await sweepAtStartup(deps);
  const session = await createSession(deps, request);
  const models = session.attemptModels
    ? `best of ${session.attemptModels.length}: ${session.attemptModels.join(', ')}`
    : session.model;
  out.write(
    `drydock session ${session.id} on ${session.repo} at ${session.baseCommit?.slice(0, 10)} (${models})\n`,
  );
  // Children (attempts, a manager's) run in this process and report here too: each session gets its own
  // renderer (tool call ids are per conversation) and a child's lines name it.
  const renderers = new Map<string, EventRenderer>();
  const spinner = new Spinner();
  const controller = new AbortController();
  const onSigint = () => {
    out.write('\ncancelling (Ctrl-C again to force quit)...\n');
    controller.abort();
    process.off('SIGINT', onSigint);
  };
  process.on('SIGINT', onSigint);
  try {
    return await runSession(deps, session.id, {
      signal: controller.signal,
      onEvent: (event) => {
        spinner.stop();
        const renderer = renderers.get(event.sessionId) ?? new EventRenderer();
        renderers.set(event.sessionId, renderer);
        const line = renderer.render(event);
        if (line === null) return;
        out.write(
          event.sessionId === session.id ? `${line}\n` : `  [${event.sessionId}] ${line.trimStart()}\n`,
        );
      },
      onModelWait: (waiting) => (waiting ? spinner.start('waiting for the model') : spinner.stop()),
      // Fenced like a worker's run: a worker that picks the session up (one starting meanwhile enqueues
      // mid-run sessions without a job) takes it over, and this run stops instead of writing beside it.
      owner: `cli:${hostname()}:${process.pid}/${randomUUID()}`,
    });
  } finally {
    spinner.stop();
    process.off('SIGINT', onSigint);
  }
}

/** The closing lines of a run: where the work is, or why there is none. */
export function describeEnding(session: Session, diffStat: string | null): string {
  const lines = [`session ${session.id}: ${session.state}`];
  if (session.state === 'delivered') {
    lines.push(`branch  ${session.branch} (in ${session.repo})`);
    if (diffStat) lines.push(diffStat.trimEnd());
    lines.push(
      `see it: git -C ${session.repo} log -p ${session.baseCommit?.slice(0, 10)}..${session.branch}`,
    );
  } else if (session.reason) {
    lines.push(`reason: ${session.reason}`);
  }
  lines.push(`details: drydock show ${session.id} · log: drydock logs ${session.id}`);
  return `${lines.join('\n')}\n`;
}

/** Prints how a run ended: the branch and diff stat, or the bow-out report (what was tried, what failed). */
export async function printEnding(
  deps: SessionDeps,
  session: Session,
  out: NodeJS.WriteStream,
): Promise<void> {
  const stat = isDelivered(session)
    ? await withReadableWorkspace(deps, session.id, (workspace) =>
        diffStat(workspace, session.baseCommit, session.headCommit),
      )
    : null;
  if (session.state === 'bowed_out') {
    const report = await sessionDocument(deps.store, session);
    if (report) out.write(`\n${report}\n`);
  }
  out.write(`\n${describeEnding(session, stat)}`);
}
