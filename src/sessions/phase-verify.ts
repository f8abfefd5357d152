import { parseUnifiedDiff } from '../core/unified-diff.ts';
import { workspaceChange } from '../forge/local-delivery.ts';
import { decideGate } from '../verify/gate.ts';
import { runChecks } from '../verify/run-checks.ts';
import { findSoftSignals } from '../verify/soft-signals.ts';
import { gateRoundEvents } from './check-summary.ts';
import type { PhaseResult } from './phases.ts';
import { findingResponses, reopenAgent } from './session-checkpoint.ts';
import { adviseAfterFailures } from './session-friend.ts';
import { runGit, type SessionRun, save, saveArtifact } from './session-run.ts';

export const NOTHING_CHANGED = 'the agent finished without changing any file, so there is nothing to deliver';

/** verifying: the checks again, the diff's soft signals, and the gate's verdict. */
export async function verify(run: SessionRun): Promise<PhaseResult> {
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
    return { kind: 'rework', reason: "the coder has not answered the reviewer's findings" };
  }
  const round = gate.verifyRounds + 1;
  const session = run.recorder.session;
  const { diff, nestedRepositories } = await workspaceChange(runGit(run), run.baseCommit);
  run.judgedDiff = diff;
  if (diff.trim() === '') {
    return { kind: 'end', state: 'bowed_out', reason: NOTHING_CHANGED };
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
    gate: {
      ...gate,
      verifyRounds: round,
      lastAfter: after,
      lastVerdict: verdict,
      failedInARow: verdict.passed ? 0 : (gate.failedInARow ?? 0) + 1,
    },
  };
  // The gate keeps failing: the friend's view of the approach goes with the failures to the coder.
  const advised = await adviseAfterFailures(run, { checkpoint: run.checkpoint, verdict, round, diff });
  if (advised) run.checkpoint = advised.checkpoint;
  await save(run, [...gateRoundEvents(round, after, verdict), ...(advised ? [advised.event] : [])]);
  return verdict.passed
    ? { kind: 'done' }
    : { kind: 'rework', reason: 'the gate found problems; the coder continues' };
}
