import { BadInputError } from '../core/errors.ts';
import type { Budget } from '../core/session.ts';

export interface BudgetFlags {
  maxSteps?: string;
  maxMinutes?: string;
  maxTokens?: string;
  maxCost?: string;
  maxFriendConsults?: string;
  maxFriendCost?: string;
}

/**
 * Applies `--max-steps`, `--max-minutes`, `--max-tokens`, `--max-cost`, `--max-friend-consults` and
 * `--max-friend-cost` over the defaults. Pure.
 */
export function budgetFromFlags(flags: BudgetFlags, defaults: Budget): Budget {
  const budget = { ...defaults };
  if (flags.maxSteps !== undefined) budget.maxSteps = positive('--max-steps', flags.maxSteps, true);
  if (flags.maxMinutes !== undefined)
    budget.maxWallTimeMs = positive('--max-minutes', flags.maxMinutes) * 60_000;
  if (flags.maxTokens !== undefined) budget.maxTokens = positive('--max-tokens', flags.maxTokens, true);
  if (flags.maxCost !== undefined) budget.maxCostUsd = positive('--max-cost', flags.maxCost);
  if (flags.maxFriendConsults !== undefined)
    budget.maxFriendConsults = positive('--max-friend-consults', flags.maxFriendConsults, true);
  if (flags.maxFriendCost !== undefined)
    budget.maxFriendCostUsd = positive('--max-friend-cost', flags.maxFriendCost);
  return budget;
}

function positive(flag: string, value: string, integer = false): number {
  const number = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(number) ||
    number <= 0 ||
    (integer && !Number.isInteger(number))
  ) {
    throw new BadInputError(
      'invalid_budget',
      `${flag} must be a positive ${integer ? 'whole number' : 'number'}; got "${value}".`,
    );
  }
  return number;
}
