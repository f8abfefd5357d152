import { addUsage } from '../core/session.ts';
import {
  describeNodeMismatch,
  type NodeRequirement,
  nodeMismatches,
} from '../environments/node-requirements.ts';
import { handOverWrites } from '../environments/tree-owner.ts';
import { workspaceChange, workspaceDiff } from '../forge/local-delivery.ts';
import { blockingFindings, formatFinding } from '../review/findings.ts';
import { runReview } from '../review/run-review.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import { type Check, checkLabel } from '../verify/checks.ts';
import { discoverChecks } from '../verify/discover-checks.ts';
import type { GateVerdict } from '../verify/gate.ts';
import { decideGate } from '../verify/gate.ts';
import { runChecks } from '../verify/run-checks.ts';
import { findSoftSignals } from '../verify/soft-signals.ts';
import { parseUnifiedDiff } from '../verify/unified-diff.ts';
import type { SessionCheckpoint } from './session-checkpoint.ts';
import { findingResponses, reopenAgent } from './session-checkpoint.ts';
import { runGit, type SessionRun, save, saveArtifact } from './session-run.ts';

export type GateStep =
  | { next: 'working' }
  | { next: 'reviewing' }
  | { next: 'deliver' }
  | { next: 'bowed_out'; reason: string };

/**
 * setup: finds the repository's checks and runs them on the base commit, so the gate can tell what
 * the change broke from what was broken before. The workspace is reset afterwards (caches and
 * reports the checks wrote must not end up in the change).
 */
export async function runBaseline(run: SessionRun): Promise<SessionCheckpoint> {
  let { gate } = run.checkpoint;
  if (gate.checks === null) {
    const { checks, notes } = await findChecks(run);
    gate = { ...gate, checks };
    run.checkpoint = { ...run.checkpoint, gate };
    await save(run, [
      {
        type: 'checks.detected',
        checks: checks.map(({ name, command, source, runner, note }) => ({
          name,
          command,
          source,
          ...(runner ? { runner } : {}),
          ...(note ? { note } : {}),
        })),
        ...(notes.length > 0 ? { notes } : {}),
      },
    ]);
  }
  if (gate.baseline === null) {
    const baseline = await runChecks(run.view, gate.checks ?? [], {
      signal: run.signal,
      saveOutput: (check, output) => saveArtifact(run, `baseline-${check.name}.txt`, output),
    });
    await resetWorkspace(run);
    run.checkpoint = { ...run.checkpoint, gate: { ...gate, baseline } };
    await save(run, [
      { type: 'checks.completed', phase: 'baseline', round: 0, checks: baseline.map(toSummary) },
    ]);
  }
  return run.checkpoint;
}

/** verifying: the checks again, the diff's soft signals, and the gate's verdict. */
export async function verifyChange(run: SessionRun): Promise<GateStep> {
  const { gate, agent } = run.checkpoint;
  const responses = findingResponses(agent);
  const unanswered = gate.openFindings.filter((finding) => !responses.has(finding.id));
  if (unanswered.length > 0 && unanswered.length === gate.openFindings.length && !gate.unansweredReminded) {
    // The coder must answer each finding (fix or reject with a reason); remind it once.
    run.checkpoint = {
      ...run.checkpoint,
      agent: reopenAgent(
        agent,
        `Answer each reviewer finding with respond_to_finding before finishing: ${unanswered.map((f) => f.id).join(', ')}.`,
      ),
      gate: { ...gate, unansweredReminded: true },
    };
    await save(run);
    return { next: 'working' };
  }
  const round = gate.verifyRounds + 1;
  const session = run.recorder.session;
  const { diff, nestedRepositories } = await workspaceChange(runGit(run), session.baseCommit!);
  run.judgedDiff = diff;
  if (diff.trim() === '') {
    return {
      next: 'bowed_out',
      reason: 'the agent finished without changing any file, so there is nothing to deliver',
    };
  }
  const files = parseUnifiedDiff(diff);
  const after = await runChecks(run.view, gate.checks ?? [], {
    signal: run.signal,
    saveOutput: (check, output) => saveArtifact(run, `round-${round}-${check.name}.txt`, output),
  });

  const verdict = decideGate({
    task: session.task,
    summary: agent.outcome?.kind === 'finished' ? agent.outcome.summary : '',
    baseline: gate.baseline ?? [],
    after,
    signals: findSoftSignals(files, { task: session.task, nestedRepositories }),
    touchedFiles: files.map((file) => file.path),
  });
  run.checkpoint = {
    ...run.checkpoint,
    agent: verdict.passed ? agent : reopenAgent(agent, verdict.feedback),
    gate: { ...gate, verifyRounds: round, lastAfter: after, lastVerdict: verdict },
  };
  await save(run, [
    { type: 'checks.completed', phase: 'after', round, checks: after.map(toSummary) },
    {
      type: 'gate.verdict',
      round,
      passed: verdict.passed,
      problems: verdict.problems,
      warnings: verdict.warnings,
      failToPass: verdict.failToPass,
      passToPass: verdict.passToPass,
      ...(verdict.detectionErrors.length > 0 ? { detectionErrors: verdict.detectionErrors } : {}),
    },
  ]);
  return verdict.passed ? { next: 'reviewing' } : { next: 'working' };
}

/** reviewing: a reviewer with a clean context; blocking findings go back to the coder, up to a cap. */
export async function reviewChange(run: SessionRun, maxRounds: number): Promise<GateStep> {
  const { gate, agent } = run.checkpoint;
  const round = gate.reviewRounds + 1;
  const session = run.recorder.session;
  const responses = findingResponses(agent);
  // The reviewer reads the change the gate judged, not one computed a second time.
  const diff = run.judgedDiff ?? (await workspaceDiff(runGit(run), session.baseCommit!));
  run.judgedDiff = undefined;
  const result = await runReview({
    reviewer: run.router.resolve('reviewer'),
    summarizer: run.router.resolve('summarizer'),
    sandbox: run.view,
    redact: run.redact,
    round,
    task: session.task,
    diff,
    checksSummary: describeVerdict(gate.lastVerdict, gate.lastAfter ?? []),
    previous: gate.findings.map((finding) => {
      const response = responses.get(finding.id);
      return response ? { finding, response } : { finding };
    }),
    recordEvents: (events) => save(run, events),
    saveArtifact: (name, content) => saveArtifact(run, `review-${round}-${name}`, content),
    nowMs: () => run.deps.clock.now().getTime(),
    signal: run.signal,
  });
  const usage = addUsage(agent.usage, result.usage);
  if (result.kind === 'failed') {
    run.checkpoint = {
      ...run.checkpoint,
      agent: { ...agent, usage },
      gate: { ...gate, reviewRounds: round },
    };
    await save(run);
    return { next: 'bowed_out', reason: result.reason };
  }
  const open = blockingFindings(result.findings);
  const reopen = open.length > 0 && round < maxRounds;
  const message = [
    `A reviewer read your change (round ${round} of at most ${maxRounds}) and found:`,
    ...result.findings.map((finding) => `- ${formatFinding(finding)}`),
    'Answer every finding with respond_to_finding: fix it and answer "fixed", or answer "rejected" with the reason it ' +
      'does not apply. Then run the checks and call finish again.',
  ].join('\n');
  run.checkpoint = {
    ...run.checkpoint,
    agent: reopen ? reopenAgent({ ...agent, usage }, message) : { ...agent, usage },
    gate: {
      ...gate,
      reviewRounds: round,
      findings: [...gate.findings, ...result.findings],
      openFindings: open,
      reviewSummary: result.summary,
      unansweredReminded: false,
    },
  };
  await save(run, [
    {
      type: 'review.completed',
      round,
      approved: open.length === 0,
      summary: result.summary,
      findings: result.findings,
    },
  ]);
  if (open.length === 0) return { next: 'deliver' };
  if (reopen) return { next: 'working' };
  return {
    next: 'bowed_out',
    reason: `the reviewer still has ${open.length} critical or major findings after ${round} rounds: ${open.map((f) => `${f.severity} ${f.file}`).join(', ')}`,
  };
}

async function findChecks(run: SessionRun): Promise<{ checks: Check[]; notes: string[] }> {
  const plan = run.environment?.plan;
  const found = await discoverChecks(run.sandbox, {
    configured: plan?.checks ?? null,
    reportPrefix: `/tmp/drydock-${run.recorder.session.id}-`,
  });
  return { checks: found.checks, notes: nodeNotes(found.nodeVersion, plan?.node ?? []) };
}

/** Where the sandbox's Node disagrees with what the repository asks for (engines.node, .nvmrc, …). */
export function nodeNotes(nodeVersion: string | null, requirements: readonly NodeRequirement[]): string[] {
  const mismatches = nodeMismatches(nodeVersion ?? '', requirements);
  return mismatches.length > 0 ? [describeNodeMismatch(nodeVersion ?? '', mismatches)] : [];
}

/**
 * Back to the base commit exactly: drydock's own git, from outside the sandbox. Untracked files go,
 * nested repositories too (`-ff`); ignored ones (installed dependencies) stay. What the checkout wrote
 * is handed back to the sandbox user, so the agent can change it.
 */
async function resetWorkspace(run: SessionRun): Promise<void> {
  const git = runGit(run);
  await git.run(['checkout', '--quiet', '--force', run.recorder.session.baseCommit!, '--', '.']);
  await git.run(['clean', '-ffdq']);
  await handOverWrites(git.workspace);
}

function toSummary(outcome: CheckOutcome & { outputArtifactId?: string }) {
  return {
    name: outcome.check.name,
    command: outcome.check.command,
    exitCode: outcome.exitCode,
    timedOut: outcome.timedOut,
    tests: outcome.tests?.parsed ? outcome.tests.summary : null,
    diagnostics: outcome.diagnostics ? outcome.diagnostics.length : null,
    durationMs: outcome.durationMs,
    outputTail: outcome.outputTail.split('\n').slice(-15).join('\n'),
    ...(outcome.outputArtifactId ? { outputArtifactId: outcome.outputArtifactId } : {}),
    ...(outcome.testsUnreadable ? { testsUnreadable: outcome.testsUnreadable } : {}),
  };
}

function describeVerdict(verdict: GateVerdict | null, after: readonly CheckOutcome[]): string {
  if (after.length === 0) return 'The repository has no checks drydock could find.';
  const lines = after.map((outcome) => {
    const tests = outcome.tests?.parsed
      ? `${outcome.tests.summary.passed} passed, ${outcome.tests.summary.failed} failed`
      : `exit ${outcome.exitCode}`;
    return `- \`${checkLabel(outcome.check)}\`: ${tests}`;
  });
  if (verdict?.warnings.length) lines.push(...verdict.warnings.map((warning) => `- warning: ${warning}`));
  return lines.join('\n');
}
