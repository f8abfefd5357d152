import {
  describeNodeMismatch,
  type NodeRequirement,
  nodeMismatches,
} from '../environments/node-requirements.ts';
import { handOverWrites } from '../environments/tree-owner.ts';
import type { Check } from '../verify/checks.ts';
import { discoverChecks } from '../verify/discover-checks.ts';
import { runChecks } from '../verify/run-checks.ts';
import { checkSummary } from './check-summary.ts';
import type { PhaseResult } from './phases.ts';
import { runGit, type SessionRun, save, saveArtifact } from './session-run.ts';

/**
 * setup: finds the repository's checks and runs them on the base commit, so the gate can tell what
 * the change broke from what was broken before. The workspace is reset afterwards (caches and
 * reports the checks wrote must not end up in the change).
 */
export async function setUp(run: SessionRun): Promise<PhaseResult> {
  // An attempts session runs no checks of its own: each attempt runs them, and it takes the winner's.
  if (run.recorder.session.kind === 'attempts') return { kind: 'done' };
  let { gate } = run.checkpoint;
  if (gate.checks === null) {
    const { checks, notes } = await findChecks(run);
    gate = { ...gate, checks };
    run.checkpoint = { ...run.checkpoint, gate };
    await save(run, [
      {
        type: 'checks.detected',
        checks: checks.map(({ name, command, label, source, runner, note }) => ({
          name,
          command,
          ...(label ? { label } : {}),
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
      { type: 'checks.completed', phase: 'baseline', round: 0, checks: baseline.map(checkSummary) },
    ]);
  }
  return { kind: 'done' };
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
  await git.run(['checkout', '--quiet', '--force', run.baseCommit, '--', '.']);
  await git.run(['clean', '-ffdq']);
  await handOverWrites(git.workspace);
}
