/** A comment a person wrote on one line of the diff. */
export interface LineComment {
  path: string;
  /** The line's number in the new file, or in the old one for a removed line. */
  line: number;
  side: 'old' | 'new';
  /** The line as the diff shows it. */
  text: string;
  comment: string;
}

/** The key of a commented line: one comment per line and side. */
export const commentKey = (c: Pick<LineComment, 'path' | 'line' | 'side'>): string =>
  `${c.side}:${c.path}:${c.line}`;

/**
 * Every comment as one follow-up message: each quotes `file:line` and the line, then says what the
 * person wrote, in file and line order. A removed line is marked as such, since its number is the old
 * file's. Pure.
 */
export function commentsMessage(comments: readonly LineComment[]): string {
  const sorted = [...comments].sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line);
  const parts = sorted.map((c) => {
    const where = `${c.path}:${c.line}${c.side === 'old' ? ' (removed line)' : ''}`;
    const quoted = c.text.trim() === '' ? '> (blank line)' : `> ${c.text}`;
    return `${where}\n${quoted}\n${c.comment.trim()}`;
  });
  return `Comments on the diff:\n\n${parts.join('\n\n')}`;
}
