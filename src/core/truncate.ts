/**
 * Cutting text to a budget, with one marker everywhere drydock shortens something: `[… N characters
 * truncated …]`, saying how much was left out. The sandbox supervisor, which cannot import this file,
 * writes the same marker in bytes (`truncationMarker(n, 'bytes')`). Pure and browser-safe.
 */

export type TruncationUnit = 'characters' | 'bytes';

/** Which part of the text survives: the start, the end (errors tend to be last), or both ends. */
export type TruncationKeep = 'head' | 'tail' | 'both';

export interface TruncateOptions {
  /** Default `head`. */
  keep?: TruncationKeep;
  /** With `keep: 'both'`, the share of the kept characters taken from the start. Default 0.5. */
  headShare?: number;
  /** Said inside the marker after the count, e.g. where the full text is kept. */
  note?: string;
}

export interface Truncation {
  text: string;
  truncated: boolean;
  /** How many characters of the input are not in `text`. */
  cutChars: number;
}

/** The marker put where text was cut: `[… 120 characters truncated …]`, or with a note after the count. */
export function truncationMarker(count: number, unit: TruncationUnit, note?: string): string {
  return `[… ${count} ${unit} truncated${note ? `; ${note}` : ''} …]`;
}

/**
 * Text of at most `maxChars` characters, the marker included: the input unchanged when it fits, else
 * the kept part and the marker, on a line of its own when the text has several lines. Never splits a
 * surrogate pair. When even the marker does not fit, the marker alone.
 */
export function truncate(text: string, maxChars: number, options: TruncateOptions = {}): Truncation {
  if (text.length <= maxChars) return { text, truncated: false, cutChars: 0 };
  const keep = options.keep ?? 'head';
  const separator = text.includes('\n') ? '\n' : ' ';
  const separators = keep === 'both' ? 2 * separator.length : separator.length;
  // The marker's length depends on the count it reports, which depends on the marker's length: grow
  // the count until the two agree (at most a digit or two more).
  let cut = text.length - maxChars;
  for (;;) {
    const budget = maxChars - truncationMarker(cut, 'characters', options.note).length - separators;
    const next = text.length - Math.max(0, budget);
    if (next <= cut) break;
    cut = next;
  }
  const kept = text.length - cut;
  const headChars =
    keep === 'head' ? kept : keep === 'tail' ? 0 : Math.floor(kept * (options.headShare ?? 0.5));
  let headEnd = headChars;
  let tailStart = text.length - (kept - headChars);
  if (isLowSurrogate(text.charCodeAt(headEnd)) && headEnd > 0) headEnd--;
  if (isLowSurrogate(text.charCodeAt(tailStart)) && tailStart < text.length) tailStart++;
  const head = text.slice(0, headEnd);
  const tail = text.slice(tailStart);
  const marker = truncationMarker(text.length - head.length - tail.length, 'characters', options.note);
  const parts = keep === 'head' ? [head, marker] : keep === 'tail' ? [marker, tail] : [head, marker, tail];
  return {
    text: parts.filter((part) => part !== '').join(separator),
    truncated: true,
    cutChars: text.length - head.length - tail.length,
  };
}

/** `truncate(...).text`, for callers that only show the result. */
export function truncateText(text: string, maxChars: number, options?: TruncateOptions): string {
  return truncate(text, maxChars, options).text;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
