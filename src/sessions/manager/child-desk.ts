import { ToolError } from '../../agent/tool.ts';
import type { ChildDesk, ChildDetail, ChildReport } from '../../agent/tools/children.ts';
import { BadInputError, ConflictError, describeError } from '../../core/errors.ts';
import type { EventData } from '../../core/events.ts';
import { addUsage, type Session, type Usage, ZERO_USAGE } from '../../core/session.ts';
import { isTerminal } from '../../core/session-state.ts';
import { integrateCommit } from '../../forge/integrate-commit.ts';
import { workspaceDiff } from '../../forge/local-delivery.ts';
import { workspaceGit } from '../../forge/workspace-git.ts';
import { readCheckpointHead } from '../checkpoint-schema.ts';
import { createChildSession } from '../child-session.ts';
import { sendMessage } from '../follow-ups.ts';
import { withReadableWorkspace } from '../readable-workspace.ts';
import type { ManagedChild } from '../session-checkpoint.ts';
import { SessionRecorder } from '../session-recorder.ts';
import { runGit, type SessionRun } from '../session-run.ts';
import { childBudget, childShare, isZeroUsage, reserved, type Share, usageSince } from './child-budget.ts';

/** How a manager hands a child its part: the task, then the context under a heading. Pure. */
export function childTask(task: string, context: string | undefined): string {
  const extra = context?.trim();
  return extra ? `${task.trim()}\n\nContext from the manager:\n${extra}` : task.trim();
}

/**
 * The manager's children, for its tools (ChildDesk): each child is a session of kind `child` run in
 * this run's process under its lease (run.children). The checkpoint's `children` holds each one's cost
 * share and how much of its usage was rolled up into the manager's; it moves in memory here and is saved
 * with the loop's next step, like the friend's tally. Only the manager's run writes the manager's
 * workspace (integrate); each child writes only its own.
 */
export class ManagerDesk implements ChildDesk {
  readonly #run: SessionRun;
  readonly #maxChildren: number;
  /** Budgets of children found live in the store that the checkpoint did not know yet (a crash right after spawning). */
  readonly #provisional = new Map<string, Share>();

  constructor(run: SessionRun, options: { maxChildren: number }) {
    this.#run = run;
    this.#maxChildren = options.maxChildren;
  }

  get #tally(): Record<string, ManagedChild> {
    return this.#run.checkpoint.children ?? {};
  }

  #set(id: string, child: ManagedChild): void {
    this.#run.checkpoint = { ...this.#run.checkpoint, children: { ...this.#tally, [id]: child } };
  }

  get #manager(): Session {
    return this.#run.recorder.session;
  }

  /**
   * Runs every live child again (a manager resumed after a crash or a hand-off: its children stopped
   * with its run). Call before the manager's loop resumes.
   */
  async relaunch(): Promise<void> {
    for (const child of await this.#children()) {
      if (isTerminal(child.state)) continue;
      if (!(child.id in this.#tally) && !this.#provisional.has(child.id)) {
        this.#provisional.set(child.id, this.#shareOrNone());
      }
      this.#launch(child.id);
    }
  }

  async spawn(input: { task: string; context?: string; model?: string }): Promise<ChildReport> {
    const task = childTask(input.task, input.context);
    const children = await this.#children();
    // The same spawn run again after a crash (its result was never saved): the child it made is adopted.
    const made = children.find((child) => !(child.id in this.#tally) && child.task === task);
    if (made) {
      const share = this.#provisional.get(made.id) ?? this.#shareOrNone();
      this.#set(made.id, {
        budgetUsd: share.usd,
        budgetTokens: share.tokens,
        counted: ZERO_USAGE,
        ended: false,
      });
      this.#launch(made.id);
      return report(made);
    }
    const share = this.#share(children.length);
    if ('refusal' in share) throw new ToolError(share.refusal);
    const model = input.model ?? this.#manager.model;
    // script: models read files on drydock's host: a manager may hand one on only when it runs on one itself.
    if (isScript(model) && !isScript(this.#manager.model)) {
      throw new ToolError(`The child's model ${model}: script models are for tests; name a provider:model.`);
    }
    try {
      this.#run.deps.models(model, this.#manager.friendModel);
    } catch (error) {
      if (error instanceof BadInputError) throw new ToolError(`The child's model ${model}: ${error.message}`);
      throw error;
    }
    const child = await createChildSession(this.#run.deps, this.#manager, { kind: 'child', task, model });
    this.#set(child.id, {
      budgetUsd: share.share.usd,
      budgetTokens: share.share.tokens,
      counted: ZERO_USAGE,
      ended: false,
    });
    this.#launch(child.id);
    return report(child);
  }

  async wait(
    ids: string[] | undefined,
    signal: AbortSignal,
  ): Promise<{ reports: ChildReport[]; interrupted: boolean }> {
    const targets = ids ?? (await this.#children()).filter((c) => !isTerminal(c.state)).map((c) => c.id);
    for (const id of targets) this.#known(id);
    const stop = AbortSignal.any([signal, ...(this.#run.handOff ? [this.#run.handOff] : [])]);
    let onStop = () => {};
    const stopped = new Promise<true>((resolve) => {
      onStop = () => resolve(true);
      if (stop.aborted) resolve(true);
      else stop.addEventListener('abort', onStop, { once: true });
    });
    try {
      const runs = targets.map((id) => this.#runChild(id).catch(() => null));
      const interrupted = await Promise.race([Promise.all(runs).then(() => false), stopped]);
      const reports = await Promise.all(targets.map(async (id) => report(await this.#read(id))));
      return { reports, interrupted };
    } finally {
      stop.removeEventListener('abort', onStop);
    }
  }

  async result(id: string): Promise<ChildDetail> {
    this.#known(id);
    const child = await this.#read(id);
    const { deps } = this.#run;
    const diff =
      child.baseCommit === null
        ? ''
        : await withReadableWorkspace(deps, id, (path) =>
            workspaceDiff(workspaceGit(path, deps.sandboxes.confinement), child.baseCommit as string),
          ).catch((error: unknown) => `(the change cannot be read: ${describeError(error)})`);
    const head = await readCheckpointHead(deps.store, id).catch(() => null);
    const verdict = head?.gate.lastVerdict ?? null;
    const checks =
      verdict === null
        ? null
        : verdict.passed
          ? `passed (${verdict.failToPass.length} failing tests fixed, ${verdict.passToPass} passing kept)${verdict.warnings.length > 0 ? `; warnings: ${verdict.warnings.join('; ')}` : ''}`
          : `failed: ${verdict.problems.join('; ')}`;
    const findings = (head?.gate.findings ?? []).map(
      (f) => `${f.id} ${f.severity} ${f.file}${f.line === undefined ? '' : `:${f.line}`}: ${f.explanation}`,
    );
    return { ...report(child), diff, checks, findings };
  }

  async message(id: string, text: string): Promise<ChildReport> {
    this.#known(id);
    try {
      const manager = this.#run.recorder.session.id;
      await sendMessage(this.#run.deps.store, id, text, {
        by: { id: `session:${manager}`, name: `manager ${manager}` },
      });
    } catch (error) {
      if (error instanceof ConflictError) throw new ToolError(`${error.message} Spawn a new child instead.`);
      throw error;
    }
    const child = await this.#read(id);
    if (child.state === 'queued') {
      // A new turn on an ended child: a fresh share on top of what it spent, and it runs again.
      const entry = this.#tally[id] as ManagedChild;
      const share = this.#shareOrNone();
      this.#set(id, {
        ...entry,
        budgetUsd: child.usage.costUsd + share.usd,
        budgetTokens: child.usage.inputTokens + child.usage.outputTokens + share.tokens,
        ended: false,
      });
      this.#launch(id);
    }
    return report(child);
  }

  async cancel(id: string): Promise<ChildReport> {
    this.#known(id);
    let child = await this.#run.children.cancel(id);
    if (!isTerminal(child.state) && !this.#run.children.running(id)) {
      // Live with no run holding it (it cannot run anywhere else: its parent runs it): end it here.
      const reason = 'cancelled by its manager';
      const recorder = new SessionRecorder(this.#run.deps.store, child, this.#run.observer);
      await recorder.transition('cancelled', { reason, patch: { reason } });
      child = recorder.session;
    }
    return report(child);
  }

  async integrate(id: string): Promise<{ files: string[]; conflicts: string[] }> {
    const entry = this.#known(id);
    const child = await this.#read(id);
    if (child.state !== 'delivered' || child.headCommit === null || child.baseCommit === null) {
      throw new ToolError(
        `${id} is ${child.state}: only a delivered child's change can be integrated. wait_children for it, or read why with child_result.`,
      );
    }
    const baseCommit = entry.integratedHead ?? child.baseCommit;
    if (baseCommit === child.headCommit) {
      throw new ToolError(`${id}'s change (${child.headCommit.slice(0, 10)}) is integrated already.`);
    }
    const headCommit = child.headCommit;
    const result = await withReadableWorkspace(this.#run.deps, id, (path) =>
      integrateCommit(runGit(this.#run), { path, baseCommit, headCommit }),
    );
    this.#set(id, { ...entry, integratedHead: headCommit });
    return result;
  }

  async rollUp(): Promise<{ usage: Usage | null; events: EventData[] }> {
    let usage: Usage | null = null;
    const events: EventData[] = [];
    for (const [id, entry] of Object.entries(this.#tally)) {
      const child = await this.#run.deps.store.getSession(id);
      if (!child) continue;
      const spent = usageSince(child.usage, entry.counted);
      const ended = isTerminal(child.state);
      if (isZeroUsage(spent) && ended === entry.ended) continue;
      if (!isZeroUsage(spent)) usage = usage ? addUsage(usage, spent) : spent;
      if (ended && !entry.ended)
        events.push({ type: 'child.ended', childId: id, state: child.state, reason: child.reason });
      this.#set(id, { ...entry, counted: child.usage, ended: entry.ended || ended });
    }
    return { usage, events };
  }

  /**
   * The manager's loop ended: children still live are cancelled (their work was not taken in), and
   * what every child spent is rolled up. Returns the usage to add to the manager's and the events.
   */
  async endLive(): Promise<{ usage: Usage | null; events: EventData[] }> {
    for (const child of await this.#children()) {
      if (!isTerminal(child.state)) await this.cancel(child.id).catch(() => {});
    }
    return this.rollUp();
  }

  #launch(id: string): void {
    // Not awaited: the child runs beside the manager; wait_children awaits the same run.
    void this.#runChild(id).catch(() => {});
  }

  #runChild(id: string): Promise<Session> {
    const entry = this.#tally[id];
    const share = entry
      ? { usd: entry.budgetUsd, tokens: entry.budgetTokens }
      : (this.#provisional.get(id) ?? { usd: 0, tokens: 0 });
    return this.#run.children.run(id, {
      budget: childBudget(this.#run.deps.budget, { budgetUsd: share.usd, budgetTokens: share.tokens }),
    });
  }

  /**
   * A child's share of what the run has left after `spawned` children; an existing child's (a crash's
   * orphan, a new turn) is counted as one more spawn without the fan-out check.
   */
  #share(spawned: number) {
    let promised = reserved(this.#tally);
    for (const [id, share] of this.#provisional) {
      if (!(id in this.#tally))
        promised = { usd: promised.usd + share.usd, tokens: promised.tokens + share.tokens };
    }
    return childShare({
      budget: this.#run.deps.budget,
      spent: this.#run.checkpoint.agent.usage,
      reserved: promised,
      spawned,
      maxChildren: this.#maxChildren,
    });
  }

  /** The share for a child that is not a new one: nothing when nothing is left (it stops at once). */
  #shareOrNone(): Share {
    const share = this.#share(Math.min(Object.keys(this.#tally).length, this.#maxChildren - 1));
    return 'share' in share ? share.share : { usd: 0, tokens: 0 };
  }

  #known(id: string): ManagedChild {
    const entry = this.#tally[id];
    if (entry) return entry;
    const ids = Object.keys(this.#tally);
    throw new ToolError(
      `No child ${id} of this manager. ${ids.length === 0 ? 'It has none yet.' : `Its children: ${ids.join(', ')}.`}`,
    );
  }

  async #read(id: string): Promise<Session> {
    const child = await this.#run.deps.store.getSession(id);
    if (child) return child;
    throw new ToolError(`No child ${id}.`);
  }

  #children(): Promise<Session[]> {
    return this.#run.deps.store.listSessions({ parentId: this.#manager.id, order: 'oldest', limit: 1000 });
  }
}

function isScript(model: string): boolean {
  return model.trim().startsWith('script:');
}

function report(child: Session): ChildReport {
  return {
    id: child.id,
    state: child.state,
    task: child.task,
    model: child.model,
    summary: child.summary,
    reason: child.reason,
    costUsd: child.usage.costUsd,
  };
}
