import type { AgentRole, EventData } from '../core/events.ts';
import type { ResolvedModel } from '../core/ports/models.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import type { Redact } from '../core/redaction.ts';
import type { Budget, Usage } from '../core/session.ts';
import type { AgentHost } from './agent-run.ts';
import { initialAgentState } from './agent-state.ts';
import { runAgent } from './loop.ts';
import type { ToolDefinition } from './tool.ts';

/**
 * An agent beside the coder with a clean context and one job (the reviewer, a change's reviewer, the
 * judge): a system prompt, one request, its tools (one of which is its structured answer), its own
 * budget; its steps go into the session's log tagged with its role.
 */
export interface SideAgentRun {
  role: Exclude<AgentRole, 'coder'>;
  model: ResolvedModel;
  summarizer: ResolvedModel;
  system: string;
  request: string;
  tools: ReadonlyMap<string, ToolDefinition>;
  budget: Budget;
  sandbox: Sandbox;
  /** The session's secrets as the agent may see them. */
  redact?: Redact;
  /** Records the agent's steps (tagged with its role) in the session's log. */
  recordEvents(events: EventData[]): Promise<void>;
  /** Records its reply as it streams (`model.delta`), without the checkpoint. */
  recordLive?(events: EventData[]): Promise<void>;
  saveArtifact: AgentHost['saveArtifact'];
  nowMs(): number;
  onModelWait?: AgentHost['onModelWait'];
  signal: AbortSignal;
}

export type SideAgentResult =
  /** It answered: its summary and the structured `result` of its answering tool, to be checked by the caller. */
  | { kind: 'finished'; summary: string; result: unknown; usage: Usage }
  /** It gave no answer (gave up, ran out of budget, the model failed): why. */
  | { kind: 'failed'; why: string; usage: Usage };

/** Runs the agent to its answer. Never throws for the model's sake: no answer is a `failed` result. */
export async function runSideAgent(run: SideAgentRun): Promise<SideAgentResult> {
  const tag = tagRole(run.role);
  const recordLive = run.recordLive;
  const final = await runAgent({
    coder: run.model,
    summarizer: run.summarizer,
    system: run.system,
    tools: run.tools,
    sandbox: run.sandbox,
    ...(run.redact ? { redact: run.redact } : {}),
    budget: run.budget,
    state: initialAgentState(run.request),
    signal: run.signal,
    host: {
      record: (events) => run.recordEvents(events.map(tag)),
      ...(recordLive ? { recordLive: (events) => recordLive(events.map(tag)) } : {}),
      saveArtifact: run.saveArtifact,
      nowMs: run.nowMs,
      ...(run.onModelWait ? { onModelWait: run.onModelWait } : {}),
    },
  });
  const outcome = final.outcome;
  if (outcome?.kind !== 'finished') {
    return {
      kind: 'failed',
      why: outcome && 'reason' in outcome ? outcome.reason : 'it did not finish',
      usage: final.usage,
    };
  }
  return { kind: 'finished', summary: outcome.summary, result: outcome.result, usage: final.usage };
}

/** Marks an agent's step events with its role, so the log tells them from the coder's. Pure. */
export function tagRole(role: Exclude<AgentRole, 'coder'>): (event: EventData) => EventData {
  return (event) => {
    switch (event.type) {
      case 'model.response':
      case 'model.delta':
      case 'model.error':
      case 'model.retry':
      case 'tool.call':
      case 'tool.output':
      case 'tool.result':
      case 'agent.stopped':
        return { ...event, role };
      default:
        return event;
    }
  };
}
