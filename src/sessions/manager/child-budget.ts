import { type Budget, type Usage, ZERO_USAGE } from '../../core/session.ts';
import type { ManagedChild } from '../session-checkpoint.ts';

// A manager's money (docs/attempts.md, "Manager and children"): the run's --max-cost and --max-tokens
// cover the manager and every child. The manager's usage holds its children's as they are rolled up (each child's usage is
// counted once: `ManagedChild.counted` says how much of it is in already), so the manager's usage is the
// whole tree's cost and a tree is never summed again on top of it. Pure functions, table-tested.

/** Children one manager may spawn when neither `DRYDOCK_MAX_CHILDREN` nor `--max-children` says. */
export const DEFAULT_MAX_CHILDREN = 5;

/** Money and tokens: what a child may spend, what was spent, what is left. */
export interface Share {
  usd: number;
  tokens: number;
}

const tokensOf = (usage: Usage) => usage.inputTokens + usage.outputTokens;

/** What the live children may still spend: each one's budget less what it spent so far. Pure. */
export function reserved(children: Readonly<Record<string, ManagedChild>>): Share {
  const sum: Share = { usd: 0, tokens: 0 };
  for (const child of Object.values(children)) {
    if (child.ended) continue;
    sum.usd += Math.max(0, child.budgetUsd - child.counted.costUsd);
    sum.tokens += Math.max(0, child.budgetTokens - tokensOf(child.counted));
  }
  return sum;
}

/**
 * A new child's budget (cost and tokens), or why no child may be spawned: the fan-out is reached, or
 * nothing is left of the run's cost (or tokens) once what was spent (the manager's usage, children's
 * rolled up included) and what live children may still spend are taken off. What is left is shared
 * equally among one share kept for the manager (integrating, the gate's rework) and one for each child
 * it may still spawn, this one included. Pure.
 */
export function childShare(input: {
  budget: Pick<Budget, 'maxCostUsd' | 'maxTokens'>;
  spent: Usage;
  reserved: Share;
  spawned: number;
  maxChildren: number;
}): { share: Share } | { refusal: string } {
  const { budget, spent } = input;
  if (input.spawned >= input.maxChildren) {
    return {
      refusal: `No more children: this manager has spawned ${input.spawned} of the ${input.maxChildren} it may. Retry or extend the work of one you have (message_child), or do the rest yourself.`,
    };
  }
  const leftUsd = budget.maxCostUsd - spent.costUsd - input.reserved.usd;
  const leftTokens = budget.maxTokens - tokensOf(spent) - input.reserved.tokens;
  if (leftUsd <= 0 || leftTokens <= 0) {
    const what =
      leftUsd <= 0
        ? `cost budget ($${budget.maxCostUsd.toFixed(2)}) is spent or promised to the children running ($${spent.costUsd.toFixed(4)} spent, $${input.reserved.usd.toFixed(4)} reserved)`
        : `token budget (${budget.maxTokens}) is spent or promised to the children running (${tokensOf(spent)} spent, ${input.reserved.tokens} reserved)`;
    return { refusal: `No more children: the run's ${what}. Wait for them, then finish with what you have.` };
  }
  const shares = input.maxChildren - input.spawned + 1;
  return { share: { usd: leftUsd / shares, tokens: Math.floor(leftTokens / shares) } };
}

/**
 * The manager's own loop budget: the run's, less what live children may still spend, read at each step
 * (getters), so the manager's spending and its children's together stay under the run's cost and tokens.
 */
export function managerBudget(base: Budget, children: () => Readonly<Record<string, ManagedChild>>): Budget {
  const budget = { ...base };
  Object.defineProperty(budget, 'maxCostUsd', {
    enumerable: true,
    get: () => base.maxCostUsd - reserved(children()).usd,
  });
  Object.defineProperty(budget, 'maxTokens', {
    enumerable: true,
    get: () => base.maxTokens - reserved(children()).tokens,
  });
  return budget;
}

/** A child's budget for its run: the manager's limits, with its own cost and token shares. Pure. */
export function childBudget(base: Budget, child: Pick<ManagedChild, 'budgetUsd' | 'budgetTokens'>): Budget {
  return { ...base, maxCostUsd: child.budgetUsd, maxTokens: child.budgetTokens };
}

/** What a child spent since `counted` (never negative). Pure. */
export function usageSince(now: Usage, counted: Usage): Usage {
  const minus = (a: number | undefined, b: number | undefined) => Math.max(0, (a ?? 0) - (b ?? 0));
  const delta: Usage = {
    ...ZERO_USAGE,
    inputTokens: minus(now.inputTokens, counted.inputTokens),
    outputTokens: minus(now.outputTokens, counted.outputTokens),
    costUsd: minus(now.costUsd, counted.costUsd),
  };
  const cacheRead = minus(now.cacheReadTokens, counted.cacheReadTokens);
  const cacheWrite = minus(now.cacheWriteTokens, counted.cacheWriteTokens);
  const reasoning = minus(now.reasoningTokens, counted.reasoningTokens);
  if (cacheRead > 0) delta.cacheReadTokens = cacheRead;
  if (cacheWrite > 0) delta.cacheWriteTokens = cacheWrite;
  if (reasoning > 0) delta.reasoningTokens = reasoning;
  if (now.costUnknown && !counted.costUnknown) delta.costUnknown = true;
  return delta;
}

/** Whether a usage holds anything. Pure. */
export function isZeroUsage(usage: Usage): boolean {
  return (
    usage.inputTokens === 0 &&
    usage.outputTokens === 0 &&
    usage.costUsd === 0 &&
    !usage.costUnknown &&
    !usage.cacheReadTokens &&
    !usage.cacheWriteTokens &&
    !usage.reasoningTokens
  );
}
