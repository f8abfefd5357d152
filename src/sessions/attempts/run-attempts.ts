import type { EventData } from '../../core/events.ts';
import { addUsage, type Budget, type Session, type Usage, ZERO_USAGE } from '../../core/session.ts';
import { isTerminal } from '../../core/session-state.ts';
import { handOverWrites } from '../../environments/tree-owner.ts';
import { integrateCommit } from '../../forge/integrate-commit.ts';
import { workspaceDiff } from '../../forge/local-delivery.ts';
import { workspaceGit } from '../../forge/workspace-git.ts';
import type { FindingResponse } from '../../review/findings.ts';
import { readCheckpoint, readCheckpointHead } from '../checkpoint-schema.ts';
import { createChildSession } from '../child-session.ts';
import type { PhaseResult } from '../phases.ts';
import { withReadableWorkspace } from '../readable-workspace.ts';
import { type AttemptsState, findingResponses } from '../session-checkpoint.ts';
import { runGit, type SessionRun, save, saveArtifact } from '../session-run.ts';
import { type JudgeCandidate, runJudge } from './judge.ts';
import {
  type AttemptRecord,
  attemptEvidence,
  attemptFailure,
  decideChoice,
  type JudgeAnswer,
  rankAttempts,
} from './rank.ts';

/**
 * The working phase of an `attempts` session (docs/attempts.md): it starts one `attempt` child per
 * model spec (once: a resumed run finds them by parent), runs them in parallel in this run (each with
 * its share of the cost budget), chooses the winner by evidence (and the judge, when candidates are
 * close), takes the winner's change into this workspace and goes straight to delivering: the winner
 * passed the gate and the review on the same base commit, and its evidence becomes this session's.
 * No candidate: the session bows out with one report on every attempt.
 */
export async function runAttempts(run: SessionRun): Promise<PhaseResult> {
  const children = await spawnAttempts(run);
  const budget = attemptBudget(run.deps.budget, children.length);
  // Serialised: each ended attempt updates the parent's usage from every child's as stored.
  let writes: Promise<unknown> = Promise.resolve();
  const ended = (child: Session) => {
    writes = writes.then(() => recordEnded(run, child));
    return writes;
  };
  const finals = await Promise.all(
    children.map(async (child) => {
      const final = await run.children.run(child.id, { budget });
      if (isTerminal(final.state)) await ended(final);
      return final;
    }),
  );
  await writes;
  // Handed off or cancelled while attempts ran: they stopped with this run (a cancel ends them).
  if (run.signal.aborted || finals.some((child) => !isTerminal(child.state))) return { kind: 'paused' };

  const state = run.checkpoint.attempts ?? (await choose(run, finals));
  const { choice } = state;
  const winner = finals.find((child) => child.id === choice.winnerId);
  if (!winner?.headCommit) {
    await adoptGate(run, finals);
    run.checkpoint = { ...run.checkpoint, attempts: { ...state, settled: true } };
    return { kind: 'end', state: 'bowed_out', reason: choice.reason };
  }
  await takeIn(run, winner);
  const summary = winner.summary ?? '';
  run.checkpoint = {
    ...run.checkpoint,
    agent: { ...run.checkpoint.agent, outcome: { kind: 'finished', summary } },
    attempts: { ...state, settled: true },
  };
  if (run.layered) run.checkpoint.workspace = await run.layered.snapshot();
  return { kind: 'deliver', patch: { summary } };
}

/** Each attempt's budget: the whole run's cost (and the friend's cost cap) shared out; the rest as is. Pure. */
export function attemptBudget(budget: Budget, attempts: number): Budget {
  const share = Math.max(1, attempts);
  return {
    ...budget,
    maxCostUsd: budget.maxCostUsd / share,
    ...(budget.maxFriendCostUsd === undefined ? {} : { maxFriendCostUsd: budget.maxFriendCostUsd / share }),
  };
}

/** The parent's usage: its attempts' (as stored) plus its own (the judge's). Pure. */
export function rolledUpUsage(children: readonly Pick<Session, 'usage'>[], own: Usage = ZERO_USAGE): Usage {
  return children.reduce((sum, child) => addUsage(sum, child.usage), own);
}

/**
 * The attempts, in the order they were started: those a run already created (found by parent, each
 * announced by `child.spawned`, which a run that died between the two records now), then the missing
 * ones, one per model spec.
 */
async function spawnAttempts(run: SessionRun): Promise<Session[]> {
  const parent = run.recorder.session;
  const { store } = run.deps;
  const models = parent.attemptModels ?? [];
  const existing = await store.listSessions({ parentId: parent.id, order: 'oldest', limit: 1000 });
  const announced = await announcedChildren(run);
  const order = (child: Session) => {
    const index = announced.indexOf(child.id);
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  const children = existing.filter((c) => c.kind === 'attempt').sort((a, b) => order(a) - order(b));
  for (const child of children) {
    if (!announced.includes(child.id)) await save(run, [spawnedEvent(child)]);
  }
  for (const model of models.slice(children.length)) {
    const child = await createChildSession(run.deps, parent, { kind: 'attempt', task: parent.task, model });
    await save(run, [spawnedEvent(child)]);
    children.push(child);
  }
  return children;
}

function spawnedEvent(child: Session): EventData {
  return { type: 'child.spawned', childId: child.id, kind: 'attempt', task: child.task, model: child.model };
}

async function announcedChildren(run: SessionRun): Promise<string[]> {
  const events = await allEvents(run, run.recorder.session.id);
  return events.flatMap((e) => (e.type === 'child.spawned' ? [e.childId] : []));
}

/** Records `child.ended` (once per attempt) and the parent's usage with it. */
async function recordEnded(run: SessionRun, child: Session): Promise<void> {
  const events = await allEvents(run, run.recorder.session.id);
  const recorded = events.some((e) => e.type === 'child.ended' && e.childId === child.id);
  await updateUsage(run);
  await save(
    run,
    recorded ? [] : [{ type: 'child.ended', childId: child.id, state: child.state, reason: child.reason }],
  );
}

/** The parent's usage and steps from its attempts as stored now (correct on any resume), plus the judge's. */
async function updateUsage(run: SessionRun): Promise<void> {
  const children = await run.deps.store.listSessions({
    parentId: run.recorder.session.id,
    order: 'oldest',
    limit: 1000,
  });
  const usage = rolledUpUsage(children, run.checkpoint.attempts?.judgeUsage);
  const step = children.reduce((sum, child) => sum + child.steps, 0);
  run.checkpoint = { ...run.checkpoint, agent: { ...run.checkpoint.agent, usage, step } };
}

/** Ranks the ended attempts, asks the judge when it must, and records the choice with its evidence. */
async function choose(run: SessionRun, finals: readonly Session[]): Promise<AttemptsState> {
  const records = await Promise.all(finals.map((child, index) => attemptRecord(run, child, index + 1)));
  const ranked = rankAttempts(records.map(attemptEvidence));
  let judge: JudgeAnswer | null = null;
  let judgeUsage: Usage | undefined;
  if (ranked.close.length >= 2) {
    const result = await askJudge(run, finals, ranked.close);
    judgeUsage = result.usage;
    const model = run.router.resolve('judge').spec;
    judge =
      result.kind === 'chosen'
        ? { kind: 'chosen', sessionId: result.sessionId, verdict: result.verdict, model }
        : { kind: 'failed', reason: result.reason, model };
  }
  const choice = decideChoice(ranked, judge, finals.length);
  const winnerGate = choice.winnerId ? await readCheckpointHead(run.deps.store, choice.winnerId) : null;
  const winnerResponses = choice.winnerId ? await responsesOf(run, choice.winnerId) : [];
  const state: AttemptsState = {
    choice,
    failures: records.filter((r) => r.session.state !== 'delivered').map(attemptFailure),
    responses: winnerResponses,
    ...(judgeUsage ? { judgeUsage } : {}),
  };
  run.checkpoint = {
    ...run.checkpoint,
    attempts: state,
    ...(winnerGate ? { gate: { ...winnerGate.gate } } : {}),
  };
  await updateUsage(run);
  await save(run, [{ type: 'attempts.chosen', ...choice }]);
  return state;
}

async function attemptRecord(run: SessionRun, child: Session, number: number): Promise<AttemptRecord> {
  const checkpoint = await readCheckpointHead(run.deps.store, child.id).catch(() => null);
  return {
    number,
    session: child,
    events: await allEvents(run, child.id),
    gate: checkpoint ? { baseline: checkpoint.gate.baseline, lastAfter: checkpoint.gate.lastAfter } : null,
  };
}

/** The judge on the close candidates' diffs (each read from its attempt's workspace). */
async function askJudge(run: SessionRun, finals: readonly Session[], close: readonly string[]) {
  const candidates: JudgeCandidate[] = [];
  for (const [index, child] of finals.entries()) {
    if (!close.includes(child.id)) continue;
    candidates.push({
      number: index + 1,
      sessionId: child.id,
      model: child.model,
      diff: await attemptDiff(run, child),
    });
  }
  return runJudge({
    judge: run.router.resolve('judge'),
    summarizer: run.router.resolve('summarizer'),
    sandbox: run.view,
    redact: run.redact,
    task: run.recorder.session.task,
    candidates,
    recordEvents: (events) => save(run, events),
    recordLive: async (events) => {
      await run.recorder.record(events);
    },
    saveArtifact: (name, content) => saveArtifact(run, `judge-${name}`, content),
    nowMs: () => run.deps.clock.now().getTime(),
    signal: run.signal,
  });
}

/** The attempt's delivered change, base..head, from its workspace. */
async function attemptDiff(run: SessionRun, child: Session): Promise<string> {
  const head = child.headCommit;
  if (!head) return '';
  return withReadableWorkspace(run.deps, child.id, async (path) => {
    const git = workspaceGit(path, run.deps.sandboxes.confinement);
    return git.run(['diff', '--no-color', '--no-ext-diff', '--no-textconv', run.baseCommit, head]);
  });
}

/**
 * Takes the winner's change into this workspace: back to the base commit first (so a run that died
 * half-way takes it in again cleanly), then the winner's base..head, applied by drydock's own git.
 */
async function takeIn(run: SessionRun, winner: Session): Promise<void> {
  const head = winner.headCommit;
  if (!head) return;
  const git = runGit(run);
  await git.run(['checkout', '--quiet', '--force', run.baseCommit, '--', '.']);
  await git.run(['clean', '-ffdq']);
  const result = await withReadableWorkspace(run.deps, winner.id, (path) =>
    integrateCommit(git, { path, baseCommit: run.baseCommit, headCommit: head }),
  );
  await handOverWrites(git.workspace);
  // Sanity: what is in the workspace now is the winner's change.
  if (result.files.length > 0 && (await workspaceDiff(git, run.baseCommit)).trim() === '') {
    throw new Error(`the change of ${winner.id} was not taken in`);
  }
  await save(run, [
    { type: 'child.integrated', childId: winner.id, files: result.files, conflicts: result.conflicts },
  ]);
}

/**
 * With no winner, the parent keeps its attempts' checks and baseline (the same base commit), so a
 * follow-up turn on it is verified like any session's.
 */
async function adoptGate(run: SessionRun, finals: readonly Session[]): Promise<void> {
  if (run.checkpoint.gate.baseline !== null) return;
  for (const child of finals) {
    const head = await readCheckpointHead(run.deps.store, child.id).catch(() => null);
    if (head?.gate.checks && head.gate.baseline) {
      run.checkpoint = {
        ...run.checkpoint,
        gate: { ...run.checkpoint.gate, checks: head.gate.checks, baseline: head.gate.baseline },
      };
      return;
    }
  }
}

/** The winner's answers to its findings (respond_to_finding), which its PR shows with them. */
async function responsesOf(run: SessionRun, childId: string): Promise<FindingResponse[]> {
  const checkpoint = await readCheckpoint(run.deps.store, childId);
  return checkpoint ? [...findingResponses(checkpoint.agent).values()] : [];
}

async function allEvents(run: SessionRun, sessionId: string): Promise<EventData[]> {
  const events: EventData[] = [];
  let after = 0;
  for (;;) {
    const page = await run.deps.store.listEvents(sessionId, after, 1000);
    events.push(...page.map((e) => e.data));
    if (page.length < 1000) return events;
    after = page.at(-1)?.seq ?? after;
  }
}
