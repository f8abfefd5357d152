/**
 * Secret redaction as the model and the log see it: secret values, and their common encodings,
 * replaced by placeholders. Files keep their real content; only what is shown is redacted.
 */

/** How a secret's value appeared: as itself, or encoded. */
export type SecretForm = 'raw' | 'base64' | 'hex' | 'url';

/** Where one secret, in one form, is in a text: `[start, end)` in UTF-16 code units. */
export interface SecretSpan {
  start: number;
  end: number;
  name: string;
  form: SecretForm;
}

/**
 * Replaces every secret value (and its base64, hex and URL-encoded forms) in a text with a
 * placeholder (`secretPlaceholder`). Pure, never throws; redacting twice changes nothing more.
 */
export interface Redact {
  (text: string): string;
  /** The occurrences `redact` replaces, leftmost first, none overlapping. */
  find(text: string): SecretSpan[];
  /**
   * Where the end of `text` could be the start of an occurrence that more text would complete: a
   * stream must hold back from here (`text.length` when nothing could be).
   */
  pendingFrom(text: string): number;
  /** The names of the secrets it hides. */
  readonly names: readonly string[];
}

/** `[secret NAME]`, or `[secret NAME (base64)]` for an encoded form. */
export function secretPlaceholder(name: string, form: SecretForm = 'raw'): string {
  return form === 'raw' ? `[secret ${name}]` : `[secret ${name} (${form})]`;
}

const PLACEHOLDER = /\[secret ([^\s\]()]+)(?: \((?:base64|hex|url)\))?\]/g;

/**
 * The names among `names` whose placeholder is in `text`: text copied from a redacted view, which
 * written back to a file would replace the secret's value with the placeholder. Pure.
 */
export function placeholdersIn(text: string, names: readonly string[]): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (names.includes(match[1]!)) found.add(match[1]!);
  }
  return [...found];
}

/** Hides nothing: for sessions without secrets. */
export const NO_REDACTION: Redact = Object.assign((text: string) => text, {
  find: () => [],
  pendingFrom: (text: string) => text.length,
  names: [],
});

/**
 * Every string in a value (plain objects and arrays, keys included) redacted; anything else (numbers,
 * bytes, URLs) as it is. Returns the value itself when nothing changed. Pure.
 */
export function redactDeep<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) {
    const items = value.map((item) => redactDeep(item, redact));
    return (items.some((item, index) => item !== value[index]) ? items : value) as T;
  }
  if (value !== null && typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return value;
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      const entry = [redact(key), redactDeep(item, redact)] as const;
      if (entry[0] !== key || entry[1] !== item) changed = true;
      return entry;
    });
    return (changed ? Object.fromEntries(entries) : value) as T;
  }
  return value;
}
