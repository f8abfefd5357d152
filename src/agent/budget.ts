import type { Budget, Usage } from '../core/session.ts';

/** Why the budget is spent, or null while there is budget left. Pure; checked before every model call. */
export function budgetExceeded(
  budget: Budget,
  spent: { steps: number; elapsedMs: number; usage: Usage },
): string | null {
  if (spent.steps >= budget.maxSteps)
    return `step budget spent: ${spent.steps} of ${budget.maxSteps} model calls`;
  if (spent.elapsedMs >= budget.maxWallTimeMs) {
    return `time budget spent: ${formatMinutes(spent.elapsedMs)} of ${formatMinutes(budget.maxWallTimeMs)}`;
  }
  const tokens = spent.usage.inputTokens + spent.usage.outputTokens;
  if (tokens >= budget.maxTokens) return `token budget spent: ${tokens} of ${budget.maxTokens} tokens`;
  if (spent.usage.costUsd >= budget.maxCostUsd) {
    return `cost budget spent: $${spent.usage.costUsd.toFixed(2)} of $${budget.maxCostUsd.toFixed(2)}`;
  }
  return null;
}

function formatMinutes(ms: number): string {
  return `${(ms / 60_000).toFixed(1)} min`;
}
