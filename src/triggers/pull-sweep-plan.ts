import { z } from 'zod';
import { parseForgeRepo } from '../core/forge-repo.ts';
import type { PullRequestState } from '../core/ports/forge.ts';
import type { SessionLink } from '../core/ports/store.ts';
import { findForgeLink } from './forge-link.ts';
import type { PullClosed } from './pull-closed.ts';

/** Pull requests the sweep asks its forge about per run: few, so a rate limit is never near. */
export const DEFAULT_PULL_SWEEP_LIMIT = 10;
/** What a session's sweep-state link key starts with. */
export const PULL_SWEEP_PREFIX = 'pull-sweep:';
export const pullSweepKey = (sessionId: string): string => `${PULL_SWEEP_PREFIX}${sessionId}`;

/** What the sweep remembers of a session's pull request, in a link of its own (never the origin link). */
export const PullSweepState = z.object({
  /** When the forge was last asked (ISO 8601). */
  checkedAt: z.string(),
  /** Its close is in the session's log: never asked again. */
  done: z.boolean().optional(),
});
export type PullSweepState = z.infer<typeof PullSweepState>;

/** A pull request drydock opened, which the sweep may ask its forge about. */
export interface SweepCandidate {
  sessionId: string;
  /** As drydock names repositories (`owner/name`, `gitlab:group/project`). */
  repo: string;
  number: number;
  /** When the session's origin link was made: the oldest are asked first. */
  linkedAt: string;
  /** When the sweep last asked, or null. */
  checkedAt: string | null;
}

/**
 * The pull requests still to ask about: those of origin links whose session's pull request drydock opened
 * (not a push to someone else's), and whose close the sweep has not seen yet. Pure.
 */
export function sweepCandidates(
  originLinks: readonly SessionLink[],
  sweepLinks: readonly SessionLink[],
): SweepCandidate[] {
  const states = new Map<string, PullSweepState>();
  for (const link of sweepLinks) {
    const parsed = PullSweepState.safeParse(link.data);
    if (parsed.success) states.set(link.sessionId, parsed.data);
  }
  const candidates: SweepCandidate[] = [];
  for (const link of originLinks) {
    const data = findForgeLink([link])?.data;
    if (!data || data.pull === undefined || data.pushTo) continue;
    const state = states.get(link.sessionId);
    if (state?.done) continue;
    candidates.push({
      sessionId: link.sessionId,
      repo: data.repo,
      number: data.pull,
      linkedAt: link.createdAt,
      checkedAt: state?.checkedAt ?? null,
    });
  }
  return candidates;
}

/**
 * The order to ask in: never asked first, oldest first; then the least recently asked, so pull requests
 * that stay open for weeks do not keep newer ones from being asked. Pure.
 */
export function orderToAsk(candidates: readonly SweepCandidate[]): SweepCandidate[] {
  return [...candidates].sort((a, b) => {
    if (a.checkedAt === null || b.checkedAt === null) {
      if (a.checkedAt !== b.checkedAt) return a.checkedAt === null ? -1 : 1;
    } else if (a.checkedAt !== b.checkedAt) {
      return a.checkedAt < b.checkedAt ? -1 : 1;
    }
    return a.linkedAt < b.linkedAt ? -1 : a.linkedAt > b.linkedAt ? 1 : 0;
  });
}

/**
 * The run a sweep at `now` belongs to, every `intervalMs`: the delivery id a process claims before it
 * sweeps, so of several server processes one sweeps each run. Pure.
 */
export function sweepRun(now: Date, intervalMs: number): string {
  return new Date(Math.floor(now.getTime() / intervalMs) * intervalMs).toISOString();
}

/** The close to record for what the forge says of a pull request, or null while it is open. Pure. */
export function closeOfState(repo: string, state: PullRequestState): PullClosed | null {
  if (state.state === 'open') return null;
  const kind = parseForgeRepo(repo)?.kind ?? 'github';
  return {
    repo,
    number: state.number,
    url: state.url,
    merged: state.state === 'merged',
    ...(state.by ? { by: `${kind}:${state.by}` } : {}),
  };
}
