import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { describeError, isConflict } from '../core/errors.ts';
import type { EvalGrading, EvalInstance, EvalInstanceWrite, EvalRun } from '../core/eval.ts';
import { isFinished } from '../core/eval-summary.ts';
import { type Session, ZERO_USAGE } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { createSession } from '../sessions/create-session.ts';
import { runSession } from '../sessions/run-session.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import type { EvalTask } from './task-set.ts';

/** The instance-specific steps of an evaluation, apart so the runner reads as the procedure it is. */
export interface EvalParts {
  /**
   * The scratch repository the instance's session runs on and delivers into (never the user's), and
   * the commit the session starts from (base_commit, or a commit on it with the dataset's config).
   */
  repository(task: EvalTask, signal: AbortSignal): Promise<{ path: string; start: string }>;
  /** The session's model spec: the run's model, or a script for the harness's own `oracle` and `null`. */
  sessionModel(task: EvalTask, repoPath: string): Promise<string>;
  /** The hidden tests' verdict on the delivered commit, in a fresh sandbox. */
  grade(task: EvalTask, repoPath: string, commit: string, signal: AbortSignal): Promise<EvalGrading>;
}

export interface EvalRequest {
  run: EvalRun;
  /** The selected instances, in order. */
  tasks: readonly EvalTask[];
  concurrency: number;
  /** Cancels: sessions in flight end as cancelled and run again from the start on resume. */
  signal: AbortSignal;
  /** Stops: sessions in flight pause after their next saved step and continue on resume. */
  handOff: AbortSignal;
  /** Runs one session to its end or its hand-off; default: in this process. */
  execute?: (sessionId: string) => Promise<Session>;
  /** After every change to an instance (saved as pending, started, paused, finished). */
  onInstance?(instance: EvalInstance, task: EvalTask): void;
}

export interface EvalOutcome {
  run: EvalRun;
  /** In the order of the tasks. */
  instances: EvalInstance[];
}

/**
 * Runs an evaluation's instances, `concurrency` at a time, each as a normal session on a scratch
 * repository, and grades what they deliver. Resumable: instances that finished are not run again, a
 * session that was paused or stranded mid-run continues from its checkpoint, a delivered change not
 * yet graded is graded. Ends the run `finished` when every instance is, else `interrupted`.
 */
export async function runEval(
  deps: SessionDeps,
  parts: EvalParts,
  request: EvalRequest,
): Promise<EvalOutcome> {
  const { run, tasks } = request;
  const byId = new Map((await deps.store.listEvalInstances(run.id)).map((i) => [i.instanceId, i]));
  for (const task of tasks) {
    if (!byId.has(task.instanceId)) {
      const pending = await deps.store.saveEvalInstance(pendingInstance(run.id, task));
      byId.set(task.instanceId, pending);
      request.onInstance?.(pending, task);
    }
  }
  await deps.store.setEvalRunState(run.id, 'running');
  const todo = tasks.filter((task) => !isFinished(byId.get(task.instanceId)!));
  const stopped = () => request.signal.aborted || request.handOff.aborted;
  let next = 0;
  const lane = async () => {
    while (next < todo.length && !stopped()) {
      const task = todo[next]!;
      next += 1;
      const save = async (write: EvalInstanceWrite) => {
        const saved = await deps.store.saveEvalInstance(write);
        byId.set(task.instanceId, saved);
        request.onInstance?.(saved, task);
        return saved;
      };
      await runInstance(deps, parts, request, task, byId.get(task.instanceId)!, save);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(request.concurrency, todo.length)) }, lane));
  const instances = tasks.map((task) => byId.get(task.instanceId)!);
  const ended = await deps.store.setEvalRunState(
    run.id,
    instances.every(isFinished) ? 'finished' : 'interrupted',
  );
  return { run: ended, instances };
}

/** An instance not started yet. Pure. */
export function pendingInstance(runId: string, task: EvalTask): EvalInstanceWrite {
  return {
    runId,
    instanceId: task.instanceId,
    repo: task.repo,
    status: 'pending',
    sessionId: null,
    resolved: null,
    grading: null,
    reason: null,
    steps: 0,
    usage: ZERO_USAGE,
    wallMs: null,
  };
}

/** What the agent is told: the problem statement (and the dataset's hints, when asked for). Pure. */
export function taskText(task: EvalTask, withHints = false): string {
  const hints = withHints && task.hintsText?.trim() ? `\n\nHints:\n${task.hintsText.trim()}` : '';
  return `${task.problemStatement.trim()}${hints}`;
}

type Save = (write: EvalInstanceWrite) => Promise<EvalInstance>;

async function runInstance(
  deps: SessionDeps,
  parts: EvalParts,
  request: EvalRequest,
  task: EvalTask,
  prior: EvalInstance,
  save: Save,
): Promise<void> {
  const started = Date.now();
  const spent = () => (prior.wallMs ?? 0) + (Date.now() - started);
  let base: EvalInstanceWrite = { ...withoutUpdatedAt(prior) };
  const fail = (reason: string) =>
    save({ ...base, status: 'failed', resolved: false, reason, wallMs: spent() });

  let repoPath: string;
  let start: string;
  try {
    ({ path: repoPath, start } = await parts.repository(task, request.signal));
  } catch (error) {
    await fail(`could not prepare the repository: ${describeError(error)}`);
    return;
  }

  let session = prior.sessionId === null ? null : await deps.store.getSession(prior.sessionId);
  if (session === null) {
    try {
      const model = await parts.sessionModel(task, repoPath);
      session = await createSession(deps, {
        task: taskText(task, request.run.settings.hints),
        repo: repoPath,
        ref: start,
        model,
        ...(request.run.settings.friendModel ? { friendModel: request.run.settings.friendModel } : {}),
      });
    } catch (error) {
      await fail(`could not start the session: ${describeError(error)}`);
      return;
    }
    base = { ...base, sessionId: session.id, reason: null };
    await save({ ...base, status: 'running' });
  }

  if (!isTerminal(session.state)) {
    const execute =
      request.execute ??
      ((id: string) =>
        runSession(deps, id, {
          signal: request.signal,
          handOff: request.handOff,
          owner: `eval:${hostname()}:${process.pid}/${randomUUID()}`,
        }));
    try {
      session = await execute(session.id);
    } catch (error) {
      if (isConflict(error, 'session_taken_over')) {
        // A worker took the session over (one starting meanwhile picks up live sessions): it goes on
        // there, and a resume waits for its end instead of calling it failed.
        await save({ ...base, status: 'running', wallMs: spent() });
        return;
      }
      await fail(`the session could not run: ${describeError(error)}`);
      return;
    }
  }
  const measured = { steps: session.steps, usage: session.usage, sessionId: session.id };

  if (!isTerminal(session.state)) {
    // Handed off (Ctrl-C): it continues from its checkpoint on resume.
    await save({ ...base, ...measured, status: 'running', wallMs: spent() });
    return;
  }
  if (session.state === 'cancelled') {
    // Cancelled mid-run: nothing to grade; a resume starts it again with a new session.
    await save({
      ...pendingInstance(base.runId, task),
      wallMs: spent(),
      reason: 'cancelled; it runs again on resume',
    });
    return;
  }
  if (session.state !== 'delivered' || session.headCommit === null) {
    await save({
      ...base,
      ...measured,
      status: session.state === 'bowed_out' ? 'bowed_out' : 'failed',
      resolved: false,
      grading: null,
      reason: session.reason ?? (session.state === 'delivered' ? 'delivered without a commit' : null),
      wallMs: spent(),
    });
    return;
  }

  await save({ ...base, ...measured, status: 'delivered', resolved: null, reason: null });
  const grading = await parts
    .grade(task, repoPath, session.headCommit, request.signal)
    .catch((error: unknown) => gradingError(`grading failed: ${describeError(error)}`));
  if (request.signal.aborted && grading.error !== null) {
    // Cancelled while grading: graded again on resume.
    await save({ ...base, ...measured, status: 'delivered', resolved: null, wallMs: spent() });
    return;
  }
  await save({
    ...base,
    ...measured,
    status: 'delivered',
    resolved: grading.resolved,
    grading,
    reason: null,
    wallMs: spent(),
  });
}

/** A grading that could not be done: never resolved. Pure. */
export function gradingError(message: string): EvalGrading {
  return {
    resolved: false,
    failToPass: { passed: 0, total: 0 },
    passToPass: { passed: 0, total: 0 },
    notPassing: [],
    error: message,
    durationMs: 0,
  };
}

function withoutUpdatedAt(instance: EvalInstance): EvalInstanceWrite {
  const { updatedAt: _updatedAt, ...rest } = instance;
  return rest;
}
