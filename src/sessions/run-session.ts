import { join } from 'node:path';
import type { AgentState } from '../agent/agent-state.ts';
import { initialAgentState } from '../agent/agent-state.ts';
import { coderSystemPrompt } from '../agent/coder-prompt.ts';
import { runAgent } from '../agent/loop.ts';
import { createCodingTools } from '../agent/tools/index.ts';
import { describeError, InternalError, isDrydockError, NotFoundError } from '../core/errors.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import type { JsonValue } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import { isTerminal } from '../core/session-state.ts';
import { prepareWorkspace } from '../environments/local-workspace.ts';
import { commitWorkspace, deliverBranch } from '../forge/local-delivery.ts';
import { branchExists, gitUser } from '../forge/local-repository.ts';
import { branchName } from './branch-name.ts';
import { decideAfterAgent } from './outcome.ts';
import type { RunObserver, SessionDeps } from './session-deps.ts';
import { SessionRecorder } from './session-recorder.ts';

export function workspacePathOf(home: string, sessionId: string): string {
  return join(home, 'sessions', sessionId, 'workspace');
}

/**
 * Drives one session through its lifecycle: provisioning (workspace and sandbox), working (the agent
 * loop), delivering (drydock commits and hands the branch over), and a final state. Resumes from the
 * stored checkpoint when the session was already working. Returns the session as it ended; failures
 * inside are recorded on the session (state `failed`) rather than thrown.
 */
export async function runSession(
  deps: SessionDeps,
  sessionId: string,
  options: RunObserver & { signal?: AbortSignal } = {},
): Promise<Session> {
  const session = await deps.store.getSession(sessionId);
  if (!session)
    throw new NotFoundError(
      'session_not_found',
      `No session ${sessionId}. List sessions with: drydock sessions`,
    );
  if (isTerminal(session.state)) return session;
  const recorder = new SessionRecorder(deps.store, session, options);
  const signal = options.signal ?? new AbortController().signal;
  let sandbox: Sandbox | null = null;
  try {
    const router = deps.models(session.model);
    const workspacePath = workspacePathOf(deps.home, session.id);
    if (session.state === 'queued') await recorder.transition('provisioning');
    await prepareWorkspace(session.repo, session.baseCommit!, workspacePath);
    sandbox = await deps.sandboxes.create({ sessionId: session.id, workspacePath, readOnlyPaths: ['.git'] });
    if (recorder.session.state === 'provisioning') {
      await recorder.transition('working', {
        events: [
          {
            type: 'workspace.ready',
            baseCommit: session.baseCommit!,
            path: workspacePath,
            sandbox: deps.sandboxes.capabilities.name,
          },
        ],
      });
    }

    const checkpoint = (await deps.store.loadCheckpoint(session.id)) as AgentState | null;
    const state = checkpoint ?? initialAgentState(session.task);
    const activeSandbox = sandbox;
    const final = await runAgent({
      coder: router.resolve('coder'),
      summarizer: router.resolve('summarizer'),
      system: coderSystemPrompt({
        workdir: sandbox.workdir,
        repoInstructions: await readRepoInstructions(activeSandbox),
      }),
      tools: createCodingTools(),
      sandbox: activeSandbox,
      budget: deps.budget,
      state,
      signal,
      host: {
        record: async (events, agentState) => {
          await recorder.record(
            events,
            { steps: agentState.step, usage: agentState.usage },
            agentState as unknown as JsonValue,
          );
        },
        saveArtifact: async (name, content) =>
          (await deps.store.putArtifact({ sessionId: session.id, name, contentType: 'text/plain', content }))
            .id,
        nowMs: () => deps.clock.now().getTime(),
        ...(options.onModelWait ? { onModelWait: options.onModelWait } : {}),
      },
    });
    await sandbox.destroy();
    sandbox = null;

    const after = decideAfterAgent(final.outcome!);
    if (after.next !== 'delivering') {
      await recorder.transition(after.next, { reason: after.reason, patch: { reason: after.reason } });
      return recorder.session;
    }
    await recorder.transition('delivering', { patch: { summary: after.summary } });
    return await deliver(recorder, workspacePath, after.summary);
  } catch (error) {
    const code = isDrydockError(error) ? error.code : 'internal_error';
    const message = describeError(error);
    if (!isTerminal(recorder.session.state)) {
      await recorder.transition('failed', {
        reason: message,
        patch: { reason: message },
        events: [{ type: 'session.error', code, message }],
      });
    }
    return recorder.session;
  } finally {
    await sandbox?.destroy().catch(() => {});
  }
}

async function deliver(recorder: SessionRecorder, workspacePath: string, summary: string): Promise<Session> {
  const session = recorder.session;
  const title = session.task.split('\n', 1)[0]!.slice(0, 72);
  const committed = await commitWorkspace({
    workspacePath,
    baseCommit: session.baseCommit!,
    message: `${title}\n\n${summary}\n\ndrydock session ${session.id}`,
    coAuthor: await gitUser(session.repo),
  });
  if (!committed) {
    const reason = 'the agent finished without changing any file, so there is nothing to deliver';
    await recorder.transition('bowed_out', { reason, patch: { reason } });
    return recorder.session;
  }
  const branch = branchName(session.task, session.id);
  if (await branchExists(session.repo, branch)) {
    throw new InternalError(
      'branch_exists',
      `Branch ${branch} already exists in ${session.repo}; drydock will not move it.`,
    );
  }
  await deliverBranch(workspacePath, session.repo, branch, committed.commit);
  await recorder.transition('delivered', {
    patch: { branch, headCommit: committed.commit },
    events: [
      {
        type: 'delivery.committed',
        commit: committed.commit,
        filesChanged: committed.filesChanged,
        insertions: committed.insertions,
        deletions: committed.deletions,
      },
      { type: 'delivery.branch', branch, repo: session.repo, commit: committed.commit },
    ],
  });
  return recorder.session;
}

const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'];
const MAX_INSTRUCTION_CHARS = 20_000;

/** The repository's instructions for agents, read through the sandbox (a symlink cannot reach the host). */
async function readRepoInstructions(sandbox: Sandbox): Promise<string | undefined> {
  for (const name of INSTRUCTION_FILES) {
    const stat = await sandbox.stat(name);
    if (stat?.type !== 'file') continue;
    const text = (await sandbox.readFile(name)).toString('utf8');
    return text.length > MAX_INSTRUCTION_CHARS
      ? `${text.slice(0, MAX_INSTRUCTION_CHARS)}\n[truncated]`
      : text;
  }
  return undefined;
}
