import type { AgentHost } from '../agent/agent-run.ts';
import type { AgentState } from '../agent/agent-state.ts';
import { coderSystemPrompt } from '../agent/coder-prompt.ts';
import { runAgent } from '../agent/loop.ts';
import type { ToolDefinition } from '../agent/tool.ts';
import { createAskFriendTool } from '../agent/tools/ask-friend.ts';
import { createCodingTools } from '../agent/tools/index.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import { truncateText } from '../core/truncate.ts';
import { respondToFindingTool } from '../review/respond-to-finding-tool.ts';
import { agentChecks } from './agent-checks.ts';
import { runAttempts } from './attempts/run-attempts.ts';
import { followUpPrompt, messageTexts } from './follow-ups.ts';
import { mcpToolsFor } from './mcp-servers/session-mcp.ts';
import { afterAgent, type PhaseResult } from './phases.ts';
import { sessionBrowser } from './session-browser.ts';
import { friendDesk, sessionFriend } from './session-friend.ts';
import { coderKnowledge } from './session-knowledge.ts';
import { type SessionRun, save, saveArtifact } from './session-run.ts';

/**
 * working: the coder's loop, resumed from the checkpoint's conversation, until it finishes, gives
 * up, runs out of budget, or (the worker stopping) pauses after a saved step.
 */
export async function work(run: SessionRun): Promise<PhaseResult> {
  // An attempts session's first turn runs its attempts; a follow-up on it is the coder's, as anywhere.
  if (run.recorder.session.kind === 'attempts' && !run.checkpoint.attempts?.settled) return runAttempts(run);
  run.checkpoint.agent = await runCoder(run, run.checkpoint.agent);
  const { outcome } = run.checkpoint.agent;
  return outcome === null ? { kind: 'paused' } : afterAgent(outcome);
}

/**
 * The tools of an agent that writes the session's workspace (the coder, a manager): the coding tools,
 * respond_to_finding, and ask_friend when the session has a friend (none configured: no ask_friend, and
 * the prompt does not mention one).
 */
export function sessionTools(run: SessionRun): { tools: Map<string, ToolDefinition>; friend: boolean } {
  const tools = createCodingTools();
  tools.set(respondToFindingTool.name, respondToFindingTool);
  const friend = sessionFriend(run);
  if (friend) {
    const askFriend = createAskFriendTool(friendDesk(run, friend));
    tools.set(askFriend.name, askFriend);
  }
  return { tools, friend: friend !== null };
}

async function runCoder(run: SessionRun, state: AgentState): Promise<AgentState> {
  const { tools, friend } = sessionTools(run);
  for (const tool of mcpToolsFor(run.mcp, 'coder')) tools.set(tool.name, tool);
  const browser = sessionBrowser(run);
  tools.set(browser.tool.name, browser.tool);
  try {
    return await runCoderWith(run, state, tools, friend);
  } finally {
    // Chromium would hold memory through the gate's test runs: it starts again if the coder comes back.
    await browser.close();
  }
}

async function runCoderWith(
  run: SessionRun,
  state: AgentState,
  tools: Map<string, ToolDefinition>,
  friend: boolean,
): Promise<AgentState> {
  return runAgent({
    coder: run.router.resolve('coder'),
    summarizer: run.router.resolve('summarizer'),
    system: coderSystemPrompt({
      workdir: run.sandbox.workdir,
      repoInstructions: await readRepoInstructions(run.view),
      knowledge: await coderKnowledge(run),
      friend,
    }),
    tools,
    // The real sandbox: an edit of a file holding a secret keeps its value; the loop redacts what the model sees.
    sandbox: run.sandbox,
    redact: run.redact,
    budget: run.deps.budget,
    state,
    signal: run.signal,
    ...(run.handOff ? { pause: run.handOff } : {}),
    runChecks: agentChecks(run),
    host: sessionAgentHost(run),
  });
}

/**
 * Where a session's agent loop writes (the coder's, a manager's): each step with the checkpoint (and,
 * with layered workspaces, a snapshot), live events alone, artifacts, and follow-ups to read.
 */
export function sessionAgentHost(run: SessionRun): AgentHost {
  return {
    record: async (events, agentState) => {
      run.checkpoint = { ...run.checkpoint, agent: agentState };
      // After every step: a sandbox that dies later is replaced at this point.
      if (run.layered) run.checkpoint.workspace = await run.layered.snapshot();
      await save(run, events);
    },
    // The reply as it streams: events alone, never the checkpoint (a resumed run does not need them).
    recordLive: async (events) => {
      await run.recorder.record(events);
    },
    saveArtifact: (name, content) => saveArtifact(run, name, content),
    nowMs: () => run.deps.clock.now().getTime(),
    takeMessages: () => takeMessages(run),
    ...(run.observer.onModelWait ? { onModelWait: run.observer.onModelWait } : {}),
  };
}

/**
 * Follow-ups recorded since the coder last looked. The position moves in the in-memory checkpoint
 * only, so it is saved with the step that carries the messages: after a crash both are lost together
 * and the messages are read again, never twice.
 */
async function takeMessages(run: SessionRun): Promise<string[]> {
  const after = run.checkpoint.messagesSeenSeq ?? 0;
  const events = await run.deps.store.listEvents(run.recorder.session.id, after);
  if (events.length === 0) return [];
  run.checkpoint = { ...run.checkpoint, messagesSeenSeq: events.at(-1)!.seq };
  return messageTexts(events).map(followUpPrompt);
}

const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'];
const MAX_INSTRUCTION_CHARS = 20_000;

/** The repository's instructions for agents, read through the sandbox (a symlink cannot reach the host). */
export async function readRepoInstructions(sandbox: Sandbox): Promise<string | undefined> {
  for (const name of INSTRUCTION_FILES) {
    const stat = await sandbox.stat(name);
    if (stat?.type !== 'file') continue;
    const text = (await sandbox.readFile(name)).toString('utf8');
    return truncateText(text, MAX_INSTRUCTION_CHARS);
  }
  return undefined;
}
