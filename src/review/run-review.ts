import type { AgentHost } from '../agent/agent-run.ts';
import { runSideAgent } from '../agent/side-agent.ts';
import type { ToolDefinition } from '../agent/tool.ts';
import { listFilesTool } from '../agent/tools/list-files.ts';
import { readFileTool } from '../agent/tools/read-file.ts';
import { searchTool } from '../agent/tools/search.ts';
import type { EventData } from '../core/events.ts';
import type { ResolvedModel } from '../core/ports/models.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import type { Redact } from '../core/redaction.ts';
import type { Budget, Usage } from '../core/session.ts';
import type { Finding, FindingInput, FindingResponse } from './findings.ts';
import { findingInputSchema } from './findings.ts';
import { REVIEWER_SYSTEM_PROMPT, reviewRequest } from './reviewer-prompt.ts';
import { submitReviewTool } from './submit-review-tool.ts';

/** The reviewer reads; it never writes. */
const REVIEWER_TOOLS: ReadonlyMap<string, ToolDefinition> = new Map(
  [readFileTool, listFilesTool, searchTool, submitReviewTool].map((tool) => [tool.name, tool]),
);

export const REVIEWER_BUDGET: Budget = {
  maxSteps: 25,
  maxWallTimeMs: 10 * 60_000,
  maxTokens: 1_000_000,
  maxCostUsd: 3,
  maxRepeatedFailures: 3,
  // The reviewer has no friend to ask.
  maxFriendConsults: 0,
};

export type ReviewResult =
  | { kind: 'reviewed'; summary: string; findings: Finding[]; usage: Usage }
  | { kind: 'failed'; reason: string; usage: Usage };

export interface ReviewRun {
  reviewer: ResolvedModel;
  summarizer: ResolvedModel;
  sandbox: Sandbox;
  /** The session's secrets as the reviewer may see them (the diff included). */
  redact?: Redact;
  round: number;
  task: string;
  diff: string;
  checksSummary: string;
  /** Approved repository knowledge relevant to the task and the changed files (docs/knowledge.md); '' for none. */
  knowledge?: string;
  previous: ReadonlyArray<{ finding: Finding; response?: FindingResponse }>;
  /** Tools beyond the reviewer's own (the repository's MCP tools, docs/mcp.md). */
  extraTools?: readonly ToolDefinition[];
  /** Records the reviewer's steps (tagged `role: reviewer`) in the session's log. */
  recordEvents(events: EventData[]): Promise<void>;
  /** Records the reviewer's reply as it streams (`model.delta`), without the checkpoint. */
  recordLive?(events: EventData[]): Promise<void>;
  saveArtifact: AgentHost['saveArtifact'];
  nowMs(): number;
  signal: AbortSignal;
}

/**
 * A review with a clean context: the reviewer sees the task, the diff and the verification, and reads
 * the workspace with read-only tools. It does not see the coder's conversation. Never throws for the
 * model's sake: a reviewer that cannot finish is a failed review, which blocks delivery.
 */
export async function runReview(run: ReviewRun): Promise<ReviewResult> {
  const request = reviewRequest({
    task: run.task,
    diff: run.diff,
    checksSummary: run.checksSummary,
    ...(run.knowledge ? { knowledge: run.knowledge } : {}),
    previous: run.previous,
  });
  const answer = await runSideAgent({
    ...run,
    role: 'reviewer',
    model: run.reviewer,
    system: REVIEWER_SYSTEM_PROMPT,
    request,
    tools:
      run.extraTools && run.extraTools.length > 0
        ? new Map([...REVIEWER_TOOLS, ...run.extraTools.map((tool) => [tool.name, tool] as const)])
        : REVIEWER_TOOLS,
    budget: REVIEWER_BUDGET,
  });
  if (answer.kind === 'failed') {
    return {
      kind: 'failed',
      reason: `the reviewer did not submit a review: ${answer.why}`,
      usage: answer.usage,
    };
  }
  const parsed = findingInputSchema.array().safeParse(answer.result ?? []);
  if (!parsed.success)
    return { kind: 'failed', reason: 'the reviewer submitted malformed findings', usage: answer.usage };
  return {
    kind: 'reviewed',
    summary: answer.summary,
    findings: numberFindings(parsed.data, run.round),
    usage: answer.usage,
  };
}

/** Gives findings ids that stay stable in the log and the PR: R<round>-<n>. Pure. */
export function numberFindings(findings: readonly FindingInput[], round: number): Finding[] {
  return findings.map((finding, index) => ({ ...finding, id: `R${round}-${index + 1}`, round }));
}
