import type { Command } from 'commander';
import { recordAudit } from '../../core/audit.ts';
import type { Store } from '../../core/ports/store.ts';
import {
  describeLimit,
  formatResetsAt,
  formatUsd,
  type SpendLimit,
  type SpendLimitStatus,
} from '../../core/spend-limits.ts';
import { localOperator } from '../../sessions/local-operator.ts';
import {
  listSpendLimits,
  removeSpendLimit,
  type SpendLimitInput,
  setSpendLimit,
} from '../../sessions/spend-limits.ts';
import type { RemoteClient } from '../remote-client.ts';

type Write = (text: string) => void;

/** Where `drydock limits` reads and writes: this machine's store, or a server (DRYDOCK_URL, admin token). */
export interface LimitRegistry {
  set(limit: SpendLimitInput): Promise<SpendLimitStatus>;
  list(): Promise<SpendLimitStatus[]>;
  remove(scope: string, period: string): Promise<void>;
}

/** The store in DRYDOCK_HOME (or DRYDOCK_DATABASE_URL), with this environment's DRYDOCK_SPEND_LIMIT_* limits. */
export function localLimitRegistry(store: Store, configured: readonly SpendLimit[]): LimitRegistry {
  return {
    async set(input) {
      const limit = await setSpendLimit(store, input);
      await recordAudit(store, {
        actor: localOperator(),
        action: 'limit.changed',
        target: `${limit.scope}/${limit.period}`,
        details: { amountUsd: limit.amountUsd, via: 'cli' },
      });
      const [status] = await store.spendStatus([limit]);
      return status ?? { ...limit, spentUsd: 0, resetsAt: '' };
    },
    list: () => listSpendLimits(store, configured),
    async remove(scope, period) {
      await removeSpendLimit(store, scope, period);
      await recordAudit(store, {
        actor: localOperator(),
        action: 'limit.removed',
        target: `${scope}/${period}`,
        details: { via: 'cli' },
      });
    },
  };
}

/** A drydock server's `/api/limits`. */
export function remoteLimitRegistry(client: RemoteClient): LimitRegistry {
  return {
    set: (limit) => client.json<SpendLimitStatus>('PUT', '/api/limits', limit),
    list: async () => (await client.json<{ limits: SpendLimitStatus[] }>('GET', '/api/limits')).limits,
    async remove(scope, period) {
      const query = new URLSearchParams({ scope, period });
      await client.text('DELETE', `/api/limits?${query}`);
    },
  };
}

/** `drydock limits set <scope> <day|month> <usd>`. */
export async function limitsSet(
  registry: LimitRegistry,
  input: { scope: string; period: string; amount: string },
  write: Write,
): Promise<void> {
  const amountUsd = Number(input.amount.trim().replace(/^\$/, ''));
  const status = await registry.set({ scope: input.scope, period: input.period, amountUsd });
  write(`set ${describeStatus(status)}\n`);
}

/** `drydock limits list`. */
export async function limitsList(
  registry: LimitRegistry,
  options: { json: boolean },
  write: Write,
): Promise<void> {
  const limits = await registry.list();
  if (options.json) return write(`${JSON.stringify(limits, null, 2)}\n`);
  if (limits.length === 0) {
    return write('No spend limits. Set one: drydock limits set global day 25\n');
  }
  for (const limit of limits) write(`${describeStatus(limit)}\n`);
}

/** `drydock limits rm <scope> <day|month>`. */
export async function limitsRemove(
  registry: LimitRegistry,
  input: { scope: string; period: string },
  write: Write,
): Promise<void> {
  await registry.remove(input.scope, input.period);
  write(`removed the ${input.period === 'day' ? 'daily' : 'monthly'} spend limit for ${input.scope}\n`);
}

/** `repo:acme/app  day  $1.20 of $5.00  resets 2026-12-06 00:00 UTC`, `(env)` for the server's own. Pure. */
export function describeStatus(limit: SpendLimitStatus): string {
  const source = limit.source === 'env' ? '  (DRYDOCK_SPEND_LIMIT_*)' : '';
  return `${limit.scope}  ${limit.period.padEnd(5)}  ${formatUsd(limit.spentUsd)} of ${formatUsd(limit.amountUsd)}  resets ${formatResetsAt(limit.resetsAt)}${source}  — ${describeLimit(limit)}`;
}

/** `drydock limits set|list|rm`, on the registry `registry()` opens (a server's, or this machine's store). */
export function registerLimitsCommands(
  program: Command,
  registry: () => Promise<LimitRegistry>,
  write: Write,
): void {
  const limits = program
    .command('limits')
    .description(
      "Spend limits per UTC day or month: global, per repository or per creator (with DRYDOCK_URL: that server's, admin token)",
    );
  limits
    .command('set')
    .description('Set a limit (replacing the one of that scope and period)')
    .argument('<scope>', 'global, repo:<path|owner/name> or creator:<token:id|github:login|…>')
    .argument('<period>', 'day or month (UTC calendar)')
    .argument('<usd>', 'the amount in USD, e.g. 25')
    .action(async (scope: string, period: string, amount: string) => {
      await limitsSet(await registry(), { scope, period, amount }, write);
    });
  limits
    .command('list')
    .description('List the limits with what was spent under each and when it resets')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await limitsList(await registry(), { json: options.json ?? false }, write);
    });
  limits
    .command('rm')
    .description('Remove a limit')
    .argument('<scope>', 'its scope')
    .argument('<period>', 'day or month')
    .action(async (scope: string, period: string) => {
      await limitsRemove(await registry(), { scope, period }, write);
    });
}
