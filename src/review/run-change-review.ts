import type { AgentHost } from '../agent/agent-run.ts';
import { runSideAgent } from '../agent/side-agent.ts';
import type { ToolDefinition } from '../agent/tool.ts';
import { bashTool } from '../agent/tools/bash.ts';
import { editFileTool } from '../agent/tools/edit-file.ts';
import { listFilesTool } from '../agent/tools/list-files.ts';
import { readFileTool } from '../agent/tools/read-file.ts';
import { searchTool } from '../agent/tools/search.ts';
import { writeFileTool } from '../agent/tools/write-file.ts';
import { type ChangeReview, sortFindings } from '../core/change-review.ts';
import type { EventData, FindingEvidence, ReviewFinding } from '../core/events.ts';
import type { ResolvedModel } from '../core/ports/models.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import type { Redact } from '../core/redaction.ts';
import { addUsage, type Budget, type Usage, ZERO_USAGE } from '../core/session.ts';
import { truncateText } from '../core/truncate.ts';
import { CHANGE_REVIEWER_SYSTEM_PROMPT, changeReviewRequest } from './change-reviewer-prompt.ts';
import {
  applyEvidencePolicy,
  evidenceOf,
  judgeCheck,
  judgeProofRun,
  needsEvidence,
  type ProofOutcome,
} from './evidence-policy.ts';
import { chunkDiff, estimateTextTokens, REVIEW_CHUNK_TOKENS, type ReviewChunk } from './review-chunks.ts';
import { REVIEWER_BUDGET } from './run-review.ts';
import {
  type ChangeFindingInput,
  changeFindingSchema,
  type Proof,
  submitChangeReviewTool,
} from './submit-change-review-tool.ts';

/** The reviewer of a change reads, and writes and runs what proves a finding (in its sandbox only). */
const TOOLS: ReadonlyMap<string, ToolDefinition> = new Map(
  [
    readFileTool,
    listFilesTool,
    searchTool,
    bashTool,
    writeFileTool,
    editFileTool,
    submitChangeReviewTool,
  ].map((tool) => [tool.name, tool]),
);

/** Per part: proving a finding takes more steps than reading. */
export const CHANGE_REVIEWER_BUDGET: Budget = { ...REVIEWER_BUDGET, maxSteps: 40 };

/** How long drydock gives one proof command, and how much of its output a finding keeps. */
const PROOF_TIMEOUT_MS = 5 * 60_000;
const EVIDENCE_OUTPUT_CHARS = 4_000;
/** A changed file shown whole beside the diff at most this long (the reviewer reads longer ones itself). */
const AROUND_FILE_CHARS = 20_000;

/** One of the gate's checks as a proof can name it. */
export interface CheckEvidence {
  name: string;
  command: string;
  failedBefore: boolean;
  failedAfter: boolean;
  /** The tail of its output on the change. */
  output: string;
  exitCode: number | null;
}

export interface ChangeReviewRun {
  reviewer: ResolvedModel;
  summarizer: ResolvedModel;
  /** The session's sandbox itself: the reviewer writes its tests there; the loop redacts what it sees. */
  sandbox: Sandbox;
  redact?: Redact;
  round: number;
  task: string;
  instructions?: string;
  /** Approved repository knowledge relevant to the change (docs/knowledge.md); absent or '' for none. */
  knowledge?: string;
  verification: string;
  diff: string;
  checks: readonly CheckEvidence[];
  /** Puts the workspace back to the change (the reviewer's files gone) before the next part. */
  restore(): Promise<void>;
  recordEvents(events: EventData[]): Promise<void>;
  recordLive?(events: EventData[]): Promise<void>;
  saveArtifact: AgentHost['saveArtifact'];
  nowMs(): number;
  signal: AbortSignal;
  onModelWait?(waiting: boolean): void;
  maxChunkTokens?: number;
  /** What the whole review may cost, in US dollars, across its parts (each part has its own budget too). */
  maxCostUsd?: number;
}

export type ChangeReviewResult =
  | {
      kind: 'reviewed';
      review: Pick<ChangeReview, 'summary' | 'findings' | 'dropped' | 'verified' | 'parts'>;
      usage: Usage;
    }
  | { kind: 'failed'; reason: string; usage: Usage };

/**
 * Reviews a change with evidence: the diff in parts under a token budget, each part by a reviewer with
 * a clean context that may write and run a reproduction in the sandbox; then drydock runs every critical
 * and major finding's proof itself and applies the evidence policy (evidence-policy.ts). The parts'
 * findings are merged into one review. Never throws for the model's sake: a part the reviewer does not
 * finish fails the review.
 */
export async function runChangeReview(run: ChangeReviewRun): Promise<ChangeReviewResult> {
  const chunks = chunkDiff(run.diff, run.maxChunkTokens ?? REVIEW_CHUNK_TOKENS);
  const allFiles = chunks.flatMap((chunk) => chunk.files);
  let usage: Usage = ZERO_USAGE;
  const findings: ReviewFinding[] = [];
  const dropped: ChangeReview['dropped'] = [];
  const summaries: string[] = [];
  for (const [index, chunk] of chunks.entries()) {
    if (run.maxCostUsd !== undefined && usage.costUsd >= run.maxCostUsd) {
      return {
        kind: 'failed',
        reason: `budget exhausted: the review cost $${usage.costUsd.toFixed(2)} by part ${index + 1} of ${chunks.length} (at most $${run.maxCostUsd})`,
        usage,
      };
    }
    if (index > 0) await run.restore();
    const part = await reviewPart(run, chunk, { part: index + 1, parts: chunks.length, allFiles });
    usage = addUsage(usage, part.usage);
    if (part.kind === 'failed') {
      const where = chunks.length > 1 ? ` (part ${index + 1} of ${chunks.length})` : '';
      return { kind: 'failed', reason: `${part.reason}${where}`, usage };
    }
    summaries.push(
      chunks.length > 1 ? `Part ${index + 1} (${chunk.files.join(', ')}): ${part.summary}` : part.summary,
    );
    for (const input of part.findings) {
      const id = `R${run.round}-${findings.length + dropped.length + 1}`;
      const judged = await judgeFinding(run, input);
      const { proof: _, ...plain } = input;
      const finding: ReviewFinding = {
        ...plain,
        id,
        round: run.round,
        ...(judged.evidence ? { evidence: judged.evidence } : {}),
      };
      const decision = applyEvidencePolicy(input.severity, judged.outcome);
      if (decision.kind === 'drop') dropped.push({ ...finding, reason: decision.reason });
      else
        findings.push({
          ...finding,
          severity: decision.severity,
          ...(decision.downgradedFrom ? { downgradedFrom: decision.downgradedFrom } : {}),
        });
    }
  }
  const sorted = sortFindings(findings);
  return {
    kind: 'reviewed',
    review: {
      summary: summaries.length > 0 ? summaries.join('\n') : 'The change touches no file.',
      findings: sorted,
      dropped,
      verified: sorted.filter((finding) => finding.evidence?.verified).length,
      parts: chunks.length,
    },
    usage,
  };
}

type PartResult =
  | { kind: 'reviewed'; summary: string; findings: ChangeFindingInput[]; usage: Usage }
  | { kind: 'failed'; reason: string; usage: Usage };

async function reviewPart(
  run: ChangeReviewRun,
  chunk: ReviewChunk,
  place: { part: number; parts: number; allFiles: string[] },
): Promise<PartResult> {
  const request = changeReviewRequest({
    task: run.task,
    ...(run.instructions ? { instructions: run.instructions } : {}),
    ...(run.knowledge ? { knowledge: run.knowledge } : {}),
    verification: run.verification,
    chunk,
    ...place,
    around: await filesAround(run, chunk),
  });
  const answer = await runSideAgent({
    ...run,
    role: 'reviewer',
    model: run.reviewer,
    system: CHANGE_REVIEWER_SYSTEM_PROMPT,
    request,
    tools: TOOLS,
    budget: CHANGE_REVIEWER_BUDGET,
  });
  if (answer.kind === 'failed') {
    return {
      kind: 'failed',
      reason: `the reviewer did not submit a review: ${answer.why}`,
      usage: answer.usage,
    };
  }
  const parsed = changeFindingSchema.array().safeParse(answer.result ?? []);
  if (!parsed.success)
    return { kind: 'failed', reason: 'the reviewer submitted malformed findings', usage: answer.usage };
  return { kind: 'reviewed', summary: answer.summary, findings: parsed.data, usage: answer.usage };
}

/** The part's changed files as the change leaves them, while they fit beside the diff. */
async function filesAround(
  run: ChangeReviewRun,
  chunk: ReviewChunk,
): Promise<Array<{ path: string; text: string }>> {
  let room = (run.maxChunkTokens ?? REVIEW_CHUNK_TOKENS) - estimateTextTokens(chunk.diff);
  const around: Array<{ path: string; text: string }> = [];
  for (const path of chunk.files) {
    const stat = await run.sandbox.stat(path).catch(() => null);
    if (stat?.type !== 'file') continue;
    const raw = (await run.sandbox.readFile(path)).toString('utf8');
    if (raw.includes('\0')) continue;
    const text = truncateText(run.redact ? run.redact(raw) : raw, AROUND_FILE_CHARS);
    const cost = estimateTextTokens(text);
    if (cost > room) break;
    room -= cost;
    around.push({ path, text });
  }
  return around;
}

/** Runs a critical or major finding's proof (drydock itself, in the sandbox) and says what it showed. */
async function judgeFinding(
  run: ChangeReviewRun,
  finding: ChangeFindingInput,
): Promise<{ outcome: ProofOutcome | null; evidence?: FindingEvidence }> {
  if (!needsEvidence(finding.severity)) return { outcome: null };
  const proof: Proof | undefined = finding.proof;
  if (!proof) return { outcome: 'unsupported' };
  if (proof.check !== undefined) {
    const check = run.checks.find((candidate) => candidate.name === proof.check);
    if (!check) {
      const known = run.checks.map((candidate) => candidate.name).join(', ') || 'none';
      return {
        outcome: 'unsupported',
        evidence: evidenceOf(
          `check ${proof.check}`,
          `no such check (the checks: ${known})`,
          'unsupported',
          null,
        ),
      };
    }
    const outcome = judgeCheck(check);
    const note = check.failedAfter && check.failedBefore ? '\n[it failed on the base commit too]' : '';
    return {
      outcome,
      evidence: evidenceOf(check.command, `${clip(check.output)}${note}`, outcome, check.exitCode),
    };
  }
  const command = proof.command ?? '';
  const result = await run.sandbox.exec(command, { timeoutMs: PROOF_TIMEOUT_MS, signal: run.signal });
  const output = run.redact ? run.redact(result.output) : result.output;
  const outcome = judgeProofRun({
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    output,
    ...(proof.expectOutput === undefined ? {} : { expectOutput: proof.expectOutput }),
  });
  const status = result.timedOut ? `\n[timed out after ${PROOF_TIMEOUT_MS / 1000} s]` : '';
  return { outcome, evidence: evidenceOf(command, `${clip(output)}${status}`, outcome, result.exitCode) };
}

function clip(output: string): string {
  return truncateText(output.replace(/\n$/, ''), EVIDENCE_OUTPUT_CHARS, { keep: 'tail' });
}
