import type { ModelRouter } from '../core/ports/models.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import type { Redact } from '../core/redaction.ts';
import { type WorkspaceGit, workspaceGit } from '../forge/workspace-git.ts';
import type { ChildRuns } from './child-runs.ts';
import type { SessionMcp } from './mcp-servers/session-mcp.ts';
import type { SessionCheckpoint } from './session-checkpoint.ts';
import type { RunObserver, SessionDeps } from './session-deps.ts';
import type { SessionEnvironment } from './session-environment.ts';
import type { SessionRecorder } from './session-recorder.ts';
import type { SessionWorkspace } from './session-workspace.ts';

/** One run of a session: its adapters, sandbox and checkpoint, shared by the lifecycle's phases. */
export interface SessionRun {
  deps: SessionDeps;
  recorder: SessionRecorder;
  router: ModelRouter;
  /** The commit the session started from (a session without one never runs). */
  baseCommit: string;
  /** The session's sandbox itself: the coder's tools read and write the real files through it. */
  sandbox: Sandbox;
  /**
   * The sandbox as the model and the log may see it (command output and files redacted): the checks
   * and the reviewer read through it. Never write back what it read.
   */
  view: Sandbox;
  /** The session's secrets as the model and the log may see them (NO_REDACTION without secrets). */
  redact: Redact;
  workspacePath: string;
  signal: AbortSignal;
  observer: RunObserver;
  /**
   * The session's children (attempts, a manager's children) run in this process under this run's lease
   * (child-runs.ts): a run waits for them, and the runner waits for every one it started before ending.
   */
  children: ChildRuns;
  checkpoint: SessionCheckpoint;
  /** The diff the gate just judged, handed to the review that follows it (not durable: recomputed on resume). */
  judgedDiff?: string;
  /** Layered workspaces only: snapshots, and restores a dead sandbox. */
  layered?: SessionWorkspace;
  /** The repository's environment: checks, start commands, secrets and their redaction. */
  environment?: SessionEnvironment;
  /** The repository's MCP servers that came up for this run (docs/mcp.md); stopped with the sandbox. */
  mcp?: SessionMcp;
  /**
   * Aborted when the worker stops: the run ends after the phase or agent step in flight is saved,
   * leaving the session live for another worker (not a cancel).
   */
  handOff?: AbortSignal;
}

/** Saves the checkpoint with the events, atomically. */
export async function save(
  run: SessionRun,
  events: Parameters<SessionRecorder['record']>[0] = [],
): Promise<void> {
  await run.recorder.record(
    events,
    { steps: run.checkpoint.agent.step, usage: run.checkpoint.agent.usage },
    run.checkpoint,
  );
}

/** drydock's git on this run's workspace, confined by the session's provider (workspace-git.ts). */
export function runGit(run: SessionRun): WorkspaceGit {
  return workspaceGit(run.workspacePath, run.deps.sandboxes.confinement);
}

export async function saveArtifact(
  run: SessionRun,
  name: string,
  content: string,
  contentType = 'text/plain',
) {
  const artifact = await run.deps.store.putArtifact({
    sessionId: run.recorder.session.id,
    name,
    contentType,
    content: run.recorder.redact(content),
  });
  return artifact.id;
}
