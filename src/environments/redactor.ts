import type { JsonValue } from '../core/ports/store.ts';
import {
  NO_REDACTION,
  type Redact,
  redactDeep,
  type SecretSpan,
  secretPlaceholder,
} from '../core/redaction.ts';
import { type SecretFormText, secretForms } from './secret-forms.ts';

export type { Redact } from '../core/redaction.ts';

/** Values shorter than this are not redacted: they would mangle ordinary text ("1", "on"). */
export const MIN_REDACTED_LENGTH = 4;

export interface NamedSecret {
  name: string;
  value: string;
}

type Pattern = SecretFormText & { name: string };

const LINE_BREAK = '(?:\\r?\\n)?';

/**
 * The redactor for these secrets: each value, in every form `secretForms` lists, becomes
 * `[secret NAME]` (`[secret NAME (base64)]` and so on for an encoded form). Overlapping occurrences
 * (one value inside another, two values side by side) are hidden together. Pure.
 */
export function createRedactor(secrets: readonly NamedSecret[]): Redact {
  const usable = secrets.filter((secret) => secret.value.length >= MIN_REDACTED_LENGTH);
  if (usable.length === 0) return NO_REDACTION;
  const patterns: Pattern[] = usable
    .flatMap((secret) => secretForms(secret.value).map((form) => ({ ...form, name: secret.name })))
    .sort((a, b) => b.text.length - a.text.length);
  const byText = new Map<string, Pattern>();
  const byFirst = new Map<string, Pattern[]>();
  for (const pattern of patterns) {
    if (!byText.has(pattern.text)) byText.set(pattern.text, pattern);
    const first = pattern.text[0]!;
    byFirst.set(first, [...(byFirst.get(first) ?? []), pattern]);
  }
  // Longest first: at one position the longest form wins (JavaScript alternation takes the first).
  const regex = new RegExp(patterns.map(source).join('|'), 'g');
  const maxSpanChars = Math.max(...patterns.map((p) => (p.wraps ? 3 * p.text.length - 2 : p.text.length)));

  const find = (text: string): SecretSpan[] => {
    const spans: SecretSpan[] = [];
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      const start = match.index;
      const end = start + match[0].length;
      const last = spans.at(-1);
      if (last && start < last.end) last.end = Math.max(last.end, end);
      else {
        const pattern = byText.get(match[0]) ?? byText.get(match[0].replace(/\r?\n/g, ''));
        spans.push({ start, end, name: pattern?.name ?? '?', form: pattern?.form ?? 'raw' });
      }
      // Overlapping occurrences too: the next search starts one character on, not after this one.
      regex.lastIndex = start + 1;
    }
    return spans;
  };

  const redact = (text: string): string => {
    const spans = find(text);
    if (spans.length === 0) return text;
    let out = '';
    let at = 0;
    for (const span of spans) {
      out += text.slice(at, span.start) + secretPlaceholder(span.name, span.form);
      at = span.end;
    }
    return out + text.slice(at);
  };

  const pendingFrom = (text: string): number => {
    for (let at = Math.max(0, text.length - maxSpanChars + 1); at < text.length; at++) {
      for (const pattern of byFirst.get(text[at]!) ?? []) {
        if (couldBegin(text, at, pattern)) return at;
      }
    }
    return text.length;
  };

  return Object.assign(redact, {
    find,
    pendingFrom,
    names: [...new Set(usable.map((secret) => secret.name))],
  });
}

/** Whether `text` from `at` to its end is a proper beginning of `pattern` (line breaks allowed where it wraps). */
function couldBegin(text: string, at: number, pattern: Pattern): boolean {
  let i = 0;
  let broke = false;
  for (let j = at; j < text.length; ) {
    if (i === pattern.text.length) return false;
    const char = text[j]!;
    if (char === pattern.text[i]) {
      i++;
      j++;
      broke = false;
    } else if (pattern.wraps && i > 0 && !broke && (char === '\n' || char === '\r')) {
      if (char === '\r' && j + 1 < text.length && text[j + 1] !== '\n') return false;
      j += char === '\r' ? 2 : 1;
      broke = true;
    } else return false;
  }
  return i < pattern.text.length;
}

function source(pattern: Pattern): string {
  if (!pattern.wraps) return escapeRegExp(pattern.text);
  return [...pattern.text].map(escapeRegExp).join(LINE_BREAK);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Every string in a JSON value, keys included, redacted. Pure. */
export function redactJson<T extends JsonValue>(value: T, redact: (text: string) => string): T {
  return redactDeep(value, redact);
}
