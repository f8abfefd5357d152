import type { JsonValue } from '../core/ports/store.ts';

/** Values shorter than this are not redacted: they would mangle ordinary text ("1", "on"). */
export const MIN_REDACTED_LENGTH = 4;

export interface NamedSecret {
  name: string;
  value: string;
}

/** Replaces every occurrence of a secret's value with `[secret NAME]`. Pure. */
export type Redact = (text: string) => string;

/** The redactor for these secrets: longest values first, so one value inside another is still hidden. */
export function createRedactor(secrets: readonly NamedSecret[]): Redact {
  const usable = secrets
    .filter((secret) => secret.value.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.value.length - a.value.length);
  if (usable.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of usable) {
      if (out.includes(secret.value)) out = out.split(secret.value).join(`[secret ${secret.name}]`);
    }
    return out;
  };
}

/** Every string in a JSON value, keys included, redacted. Pure. */
export function redactJson<T extends JsonValue>(value: T, redact: Redact): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactJson(item, redact)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [redact(key), redactJson(item as JsonValue, redact)]),
    ) as T;
  }
  return value;
}
