import type { EventData } from '../core/events.ts';
import type { SessionPatch } from '../core/ports/store.ts';
import type { Session } from '../core/session.ts';
import type { Ending } from './phases.ts';
import { bowOutReport, type ReportInput } from './reports.ts';
import { findingResponses } from './session-checkpoint.ts';
import { proposeSessionKnowledge } from './session-knowledge.ts';
import { type SessionRun, saveArtifact } from './session-run.ts';

// How a run ends a session: in the final state its last phase or an interrupt decided, with the report
// the ending calls for (a bow-out explains itself in report.md; a delivery wrote its PR description).

export function reportInput(run: SessionRun): ReportInput {
  const { gate, agent } = run.checkpoint;
  const outcome = agent.outcome;
  return {
    session: run.recorder.session,
    summary: outcome?.kind === 'finished' ? outcome.summary : '',
    baseline: gate.baseline ?? [],
    after: gate.lastAfter ?? [],
    verdict: gate.lastVerdict,
    findings: gate.findings,
    // An attempts session shows its winner's answers to the findings it took over with its change.
    responses: run.checkpoint.attempts
      ? new Map(run.checkpoint.attempts.responses.map((response) => [response.id, response]))
      : findingResponses(agent),
    openFindings: gate.openFindings,
    reviewSummary: gate.reviewSummary,
    ...(run.checkpoint.friend ? { friend: run.checkpoint.friend } : {}),
    ...(run.checkpoint.attempts ? { attempts: run.checkpoint.attempts } : {}),
  };
}

/**
 * Moves the session to its final state. Every ending but a delivery keeps its reason on the session;
 * a bow-out also leaves the report of what was tried and why drydock stopped.
 */
export async function endSession(
  run: SessionRun,
  ending: { state: Ending; reason: string | null; events?: EventData[]; patch?: SessionPatch },
): Promise<Session> {
  const { state, reason } = ending;
  if (state === 'bowed_out') {
    await saveArtifact(
      run,
      'report.md',
      bowOutReport({ ...reportInput(run), reason: reason ?? '' }),
      'text/markdown',
    );
  }
  // What the session taught about its repository, proposed for people to approve (docs/knowledge.md).
  const proposed = state === 'delivered' || state === 'bowed_out' ? await proposeSessionKnowledge(run) : null;
  const events = [...(ending.events ?? []), ...(proposed ? [proposed] : [])];
  await run.recorder.transition(state, {
    ...(reason === null ? {} : { reason }),
    patch: { ...ending.patch, ...(state === 'delivered' || reason === null ? {} : { reason }) },
    ...(events.length > 0 ? { events } : {}),
    checkpoint: run.checkpoint,
  });
  return run.recorder.session;
}
