/**
 * Secret-shaped strings in added lines. Pure. Precise token shapes first (they say what matched);
 * the generic `password = "..."` form only for long, high-entropy literals that do not look like a
 * placeholder. Evidence is redacted: a few leading characters and the length, never the secret.
 */

export interface SecretMatch {
  /** What matched, e.g. "AWS access key id". */
  kind: string;
  /** The redacted match, e.g. "AKIA…(20 chars)". */
  redacted: string;
}

interface Shape {
  kind: string;
  pattern: RegExp;
  /** Characters of the match to keep in the evidence (a function: up to the value it assigns). */
  keep: number | ((match: string) => number);
  valid?: (match: string) => boolean;
}

const SHAPES: readonly Shape[] = [
  {
    kind: 'private key block',
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/,
    keep: Infinity,
  },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z2-7]{16}\b/, keep: 4 },
  {
    kind: 'AWS secret access key',
    pattern: /\baws_?secret_?access_?key\b["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/i,
    keep: (match) => match.length - 40,
  },
  { kind: 'GitHub token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/, keep: 4 },
  { kind: 'GitHub fine-grained token', pattern: /\bgithub_pat_[A-Za-z0-9_]{60,255}\b/, keep: 11 },
  { kind: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,250}/, keep: 5 },
  {
    kind: 'Slack webhook URL',
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/,
    keep: 33,
  },
  { kind: 'Anthropic API key', pattern: /\bsk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]{32,}/, keep: 13 },
  {
    kind: 'OpenAI API key',
    pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{32,}/,
    keep: (match) => /^sk-(?:proj-|svcacct-|admin-)?/.exec(match)?.[0].length ?? 3,
    // Real keys mix cases and digits; "sk-this-is-a-placeholder-value-…" does not.
    valid: (match) => /[A-Z]/.test(match) && /[a-z]/.test(match) && /\d/.test(match),
  },
  { kind: 'Stripe live key', pattern: /\b[rs]k_live_[A-Za-z0-9]{20,}/, keep: 8 },
  { kind: 'Google API key', pattern: /\bAIza[A-Za-z0-9_-]{35}\b/, keep: 4 },
];

/** `password = "…"`, `apiKey: '…'`, `SECRET_TOKEN="…"`: a secret-named key and a quoted literal. */
const ASSIGNMENT =
  /\b([\w.-]{0,40}(?:password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|token|credential)[\w.-]{0,40})["']?\s*(?::=|=>|[:=])\s*(["'`])([^"'`\s]{12,})\2/i;
const PLACEHOLDER =
  /example|sample|changeme|change_me|your|xxx|\*\*\*|dummy|fake|test|placeholder|redacted|secret|password|todo|<|>|\$\{|\{\{|%s|process\.env|os\.environ|getenv/i;
/** Bits per character; random base64 is about 6, English text about 4, "aaaaaaaa" 0. */
export const MIN_SECRET_ENTROPY_BITS = 3.5;

export function findSecrets(text: string): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const shape of SHAPES) {
    const match = shape.pattern.exec(text)?.[0];
    if (!match || /EXAMPLE/i.test(match) || (shape.valid && !shape.valid(match))) continue;
    const keep = typeof shape.keep === 'number' ? shape.keep : shape.keep(match);
    found.push({ kind: shape.kind, redacted: redact(match, keep) });
  }
  if (found.length > 0) return found;
  const assignment = ASSIGNMENT.exec(text);
  const [, key = '', , value = ''] = assignment ?? [];
  if (assignment && !PLACEHOLDER.test(value) && shannonEntropy(value) >= MIN_SECRET_ENTROPY_BITS) {
    found.push({
      kind: 'high-entropy value assigned to a secret-named key',
      redacted: `${key} = "${redact(value, 2)}"`,
    });
  }
  return found;
}

export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function redact(match: string, keep: number): string {
  if (match.length <= keep) return match;
  return `${match.slice(0, keep)}…(${match.length} chars)`;
}
