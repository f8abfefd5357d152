import { BadInputError, NotFoundError } from '../core/errors.ts';
import type { Store } from '../core/ports/store.ts';
import { spendLimitReached } from '../core/spend-limit-error.ts';
import {
  isSpendScope,
  SPEND_PERIODS,
  type SpendLimit,
  type SpendLimitStatus,
  type SpendPeriod,
  type SpendSubject,
} from '../core/spend-limits.ts';

/**
 * Spend limits as the API, the CLI and the web UI change them: every change of a stored limit goes
 * through here (so the audit log has one place to record it), and so does every refusal of new work
 * (docs/cost.md).
 */

/**
 * The repository a session's spend is charged to: `owner/name` (lowercase, as registered) for a forge
 * repository, whose sessions run on the control plane's clone in `<home>/repos/<owner>/<name>`, else the
 * session's repository path. Pure.
 */
export function spendRepo(home: string, repo: string): string {
  const prefix = `${home.replace(/\/+$/, '')}/repos/`;
  if (!repo.startsWith(prefix)) return repo;
  const parts = repo.slice(prefix.length).split('/');
  return parts.length === 2 && parts.every((part) => part !== '') ? parts.join('/').toLowerCase() : repo;
}

/** What `sendMessage` needs to check a follow-up against the limits of `deps`. */
export function spendContext(deps: { home: string; spendLimits?: readonly SpendLimit[] }): {
  home: string;
  limits?: readonly SpendLimit[];
} {
  return { home: deps.home, ...(deps.spendLimits ? { limits: deps.spendLimits } : {}) };
}

/** What an admin sets: a scope (`global`, `repo:<repo>`, `creator:<creator>`), a period, an amount. */
export interface SpendLimitInput {
  scope: string;
  period: string;
  amountUsd: number;
}

/** Sets (or replaces) a stored limit. BadInputError `invalid_spend_limit` for a bad scope, period or amount. */
export async function setSpendLimit(store: Store, input: SpendLimitInput): Promise<SpendLimit> {
  const limit = checkSpendLimit(input);
  return store.putSpendLimit(limit);
}

/** Removes a stored limit. NotFoundError `spend_limit_not_found` when there is none. */
export async function removeSpendLimit(store: Store, scope: string, period: string): Promise<void> {
  const checked = checkPeriod(period);
  if (!(await store.deleteSpendLimit(scope.trim(), checked))) {
    throw new NotFoundError(
      'spend_limit_not_found',
      `No ${checked} spend limit for ${scope}; list them with drydock limits list. (Limits from DRYDOCK_SPEND_LIMIT_* are changed in the server's environment.)`,
    );
  }
}

/** Every limit (the server's environment ones first) with what was spent in its period and when it resets. */
export async function listSpendLimits(
  store: Store,
  configured: readonly SpendLimit[] = [],
): Promise<SpendLimitStatus[]> {
  return store.spendStatus([...configured, ...(await store.listSpendLimits())]);
}

/**
 * Refuses new work (a session, a follow-up that reopens one, a child) on `subject` while a limit that
 * covers it is spent: ConflictError `spend_limit_reached` naming the limit, what was spent, and when it
 * resets. Reserves nothing.
 */
export async function refuseOverSpend(
  store: Store,
  subject: SpendSubject & { sessionId?: string },
  configured: readonly SpendLimit[] = [],
): Promise<void> {
  const answer = await store.reserveSpend({
    sessionId: subject.sessionId ?? '',
    repo: subject.repo,
    ...(subject.creator === undefined ? {} : { creator: subject.creator }),
    estimateUsd: 0,
    configured,
  });
  if (!answer.ok) throw spendLimitReached(answer.refusal);
}

/** The limit as drydock keeps it, or BadInputError `invalid_spend_limit` naming the bad field. Pure. */
export function checkSpendLimit(input: SpendLimitInput): Pick<SpendLimit, 'scope' | 'period' | 'amountUsd'> {
  const scope = input.scope.trim();
  if (!isSpendScope(scope)) {
    const problem =
      'a scope is global, repo:<repository> or creator:<creator> (token:<id>, github:<login>, …)';
    throw new BadInputError(
      'invalid_spend_limit',
      `"${input.scope}" is not a spend limit scope: ${problem}.`,
      {
        details: { fields: { scope: problem } },
      },
    );
  }
  const period = checkPeriod(input.period);
  if (!Number.isFinite(input.amountUsd) || input.amountUsd <= 0) {
    const problem = 'an amount in USD greater than 0';
    throw new BadInputError('invalid_spend_limit', `A spend limit is ${problem}; got ${input.amountUsd}.`, {
      details: { fields: { amountUsd: problem } },
    });
  }
  return { scope, period, amountUsd: input.amountUsd };
}

function checkPeriod(period: string): SpendPeriod {
  const found = SPEND_PERIODS.find((known) => known === period.trim());
  if (found) return found;
  const problem = 'day or month (UTC calendar)';
  throw new BadInputError('invalid_spend_limit', `A spend limit's period is ${problem}; got "${period}".`, {
    details: { fields: { period: problem } },
  });
}

/**
 * The server-wide limits of DRYDOCK_SPEND_LIMIT_DAILY_USD and DRYDOCK_SPEND_LIMIT_MONTHLY_USD (global),
 * read at start: BadInputError `invalid_spend_limit` for anything but an amount greater than 0. Pure.
 */
export function spendLimitsFromEnv(env: NodeJS.ProcessEnv): SpendLimit[] {
  const limits: SpendLimit[] = [];
  for (const [name, period] of [
    ['DRYDOCK_SPEND_LIMIT_DAILY_USD', 'day'],
    ['DRYDOCK_SPEND_LIMIT_MONTHLY_USD', 'month'],
  ] as const) {
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    const amountUsd = Number(value);
    if (!Number.isFinite(amountUsd) || amountUsd <= 0) {
      throw new BadInputError(
        'invalid_spend_limit',
        `${name} must be an amount in USD greater than 0 (e.g. 25 or 7.50); got "${value}".`,
      );
    }
    limits.push({ scope: 'global', period, amountUsd, source: 'env' });
  }
  return limits;
}
