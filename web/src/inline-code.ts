/** A piece of a one-line text: plain, or code that was written between backticks. */
export interface TextPart {
  code: boolean;
  text: string;
}

/**
 * Splits a title or summary at its `code spans` (Markdown's one-backtick form, the way models and people
 * write file and function names), without parsing any other Markdown: an unmatched backtick stays as it
 * is. Pure.
 */
export function splitInlineCode(text: string): TextPart[] {
  const parts: TextPart[] = [];
  const span = /`([^`\n]+)`/g;
  let last = 0;
  for (let match = span.exec(text); match !== null; match = span.exec(text)) {
    if (match.index > last) parts.push({ code: false, text: text.slice(last, match.index) });
    parts.push({ code: true, text: match[1] ?? '' });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ code: false, text: text.slice(last) });
  return parts;
}
