/**
 * The network allowlist of a sandbox: validating rules, reading the target of a proxy request and
 * deciding whether it may pass. Pure, so each decision is a row in a table test.
 */
import { isIP } from 'node:net';
import { BadInputError } from '../core/errors.ts';
import type { EgressAttempt, EgressRule } from '../core/ports/sandbox.ts';

/** CONNECT opens a tunnel (https, by default on 443); `http` is a plain request with an absolute URL. */
export type EgressKind = 'connect' | 'http';

export const DEFAULT_EGRESS_PORT: Readonly<Record<EgressKind, number>> = { connect: 443, http: 80 };

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lowercase, without brackets around IPv6 or a trailing dot. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  const unbracketed = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return unbracketed.endsWith('.') ? unbracketed.slice(0, -1) : unbracketed;
}

/** A host name (labels of letters, digits, `-` and `_`) or an IP address, normalized; null when neither. */
export function parseHost(host: string): string | null {
  const normalized = normalizeHost(host);
  if (isIP(normalized) !== 0) return normalized;
  if (normalized.length === 0 || normalized.length > 253) return null;
  return normalized.split('.').every((label) => LABEL.test(label)) ? normalized : null;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65_535;
}

/** Validates the rules of a spec and normalizes their hosts, so a typo fails at create(), not as a silent block. */
export function resolveEgressRules(rules: readonly EgressRule[]): EgressRule[] {
  return rules.map((rule) => {
    const wildcard = rule.host.startsWith('*.');
    const host = parseHost(wildcard ? rule.host.slice(2) : rule.host);
    if (host === null || (wildcard && isIP(host) !== 0)) {
      throw new BadInputError(
        'invalid_egress_rule',
        `network.allow has an invalid host ${JSON.stringify(rule.host)}: use a name (example.org), an IP ` +
          'address or a wildcard (*.example.org), without scheme, port or path (the port is its own field).',
        { details: { rule } },
      );
    }
    if (rule.port !== undefined && !isPort(rule.port)) {
      throw new BadInputError(
        'invalid_egress_rule',
        `network.allow has an invalid port ${rule.port} for ${rule.host}: use 1 to 65535, or leave it out for 443 and 80.`,
        { details: { rule } },
      );
    }
    return { host: wildcard ? `*.${host}` : host, ...(rule.port === undefined ? {} : { port: rule.port }) };
  });
}

/** `host:port` or `[v6]:port` of a CONNECT request; null when malformed. */
export function parseConnectTarget(authority: string): EgressAttempt | null {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(authority);
  if (match === null) return null;
  const host = parseHost(match[1] ?? '');
  const port = Number(match[2]);
  return host === null || !isPort(port) ? null : { host, port };
}

/** The target of a plain proxy request (`GET http://host:port/path`); null unless an absolute http URL. */
export function parseHttpTarget(url: string): EgressAttempt | null {
  if (!/^http:\/\//i.test(url)) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const host = parseHost(parsed.hostname);
  const port = parsed.port === '' ? DEFAULT_EGRESS_PORT.http : Number(parsed.port);
  return host === null || !isPort(port) ? null : { host, port };
}

function hostMatches(ruleHost: string, host: string): boolean {
  if (ruleHost.startsWith('*.')) return host.endsWith(ruleHost.slice(1));
  return ruleHost === host;
}

/** Whether the (normalized) target may pass: some rule matches its host, and its port or the kind's default. */
export function isEgressAllowed(
  rules: readonly EgressRule[],
  target: EgressAttempt,
  kind: EgressKind,
): boolean {
  return rules.some(
    (rule) => hostMatches(rule.host, target.host) && (rule.port ?? DEFAULT_EGRESS_PORT[kind]) === target.port,
  );
}
