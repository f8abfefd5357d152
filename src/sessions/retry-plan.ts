import { BadInputError } from '../core/errors.ts';
import type { SessionEvent } from '../core/events.ts';
import type { EgressRule } from '../core/ports/sandbox.ts';

/** A connection the session's sandbox refused, as `network.blocked` recorded it. */
export interface BlockedHost {
  host: string;
  port: number;
}

/** `host:port`, the spelling the API and the page use for a blocked attempt. Pure. */
export const blockedHostName = (blocked: BlockedHost): string => `${blocked.host}:${blocked.port}`;

/** The distinct hosts a session's sandbox refused, in the order they were first refused. Pure. */
export function blockedHosts(events: readonly SessionEvent[]): BlockedHost[] {
  const seen = new Map<string, BlockedHost>();
  for (const { data } of events) {
    if (data.type !== 'network.blocked') continue;
    const blocked = { host: data.host, port: data.port };
    if (!seen.has(blockedHostName(blocked))) seen.set(blockedHostName(blocked), blocked);
  }
  return [...seen.values()];
}

/**
 * The allowance of a rerun: what the original session already had, plus each requested `host:port`,
 * which must be one the original was refused. Anyone who may steer a session may rerun it with the hosts
 * it was blocked on, and only those: a request cannot open the sandbox to a host of its choosing.
 * Throws `host_not_blocked` naming the others. Pure.
 */
export function retryAllowance(
  previous: readonly EgressRule[],
  blocked: readonly BlockedHost[],
  requested: readonly string[],
): EgressRule[] {
  const refused = new Map(blocked.map((b) => [blockedHostName(b), b]));
  const unknown = requested.filter((name) => !refused.has(name.trim().toLowerCase()));
  if (unknown.length > 0) {
    throw new BadInputError(
      'host_not_blocked',
      `Only hosts this session was blocked on can be allowed for its rerun; it never tried ${unknown.join(', ')}.`,
      { details: { fields: { allowHosts: `not blocked in this session: ${unknown.join(', ')}` } } },
    );
  }
  const rules = [...previous];
  const has = (rule: EgressRule) => rules.some((r) => r.host === rule.host && r.port === rule.port);
  for (const name of requested) {
    const attempt = refused.get(name.trim().toLowerCase());
    if (!attempt) continue;
    const rule = { host: attempt.host, port: attempt.port };
    if (!has(rule)) rules.push(rule);
  }
  return rules;
}
