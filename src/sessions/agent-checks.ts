import type { RunGateChecks } from '../core/checks-report.ts';
import { parseUnifiedDiff } from '../core/unified-diff.ts';
import { workspaceChange } from '../forge/local-delivery.ts';
import { checksReport } from '../verify/checks-report.ts';
import { decideGate } from '../verify/gate.ts';
import { runChecks } from '../verify/run-checks.ts';
import { findSoftSignals } from '../verify/soft-signals.ts';
import { runGit, type SessionRun } from './session-run.ts';

const NO_CHANGE = 'no file differs from the base commit yet, so there is nothing to deliver';

/**
 * The coder's `run_checks`: the checks the gate will run (found in setup, with the same reporters),
 * run now in the session's sandbox as the gate runs them, compared with the baseline, and judged by the
 * gate itself on the change as it is, so what the agent sees is what `finish` will meet. Nothing is
 * recorded: it is a look, not a verification round (the full outputs are not kept as artifacts).
 */
export function agentChecks(run: SessionRun): RunGateChecks {
  return async (signal) => {
    const { gate } = run.checkpoint;
    const { diff, nestedRepositories } = await workspaceChange(runGit(run), run.baseCommit);
    const files = parseUnifiedDiff(diff);
    const after = await runChecks(run.view, gate.checks ?? [], { signal });
    const task = run.recorder.session.task;
    const verdict = decideGate({
      task,
      // Not finished yet: a deleted or skipped test shows as the problem it is until a summary explains it.
      summary: '',
      baseline: gate.baseline ?? [],
      after,
      signals: findSoftSignals(files, { task, nestedRepositories }),
      touchedFiles: files.map((file) => file.path),
    });
    const problems = diff.trim() === '' ? [NO_CHANGE, ...verdict.problems] : verdict.problems;
    return checksReport(gate.baseline ?? [], after, { problems, warnings: verdict.warnings });
  };
}
