/** Atlassian Document Format (Jira Cloud's rich text in REST v3): just what drydock reads and writes. */
export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
  attrs?: Record<string, unknown>;
}

export type AdfDocument = {
  type: 'doc';
  version: 1;
  content: AdfNode[];
};

const URL_PATTERN = /https?:\/\/[^\s)]+/g;
const BLOCKS = new Set(['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote', 'rule', 'panel']);

/** Plain text as an ADF document: a paragraph per line, links marked as links. Pure. */
export function textToAdf(text: string): AdfDocument {
  const content = text.split('\n').map((line): AdfNode => {
    const nodes: AdfNode[] = [];
    let at = 0;
    for (const match of line.matchAll(URL_PATTERN)) {
      const start = match.index;
      if (start > at) nodes.push({ type: 'text', text: line.slice(at, start) });
      nodes.push({ type: 'text', text: match[0], marks: [{ type: 'link', attrs: { href: match[0] } }] });
      at = start + match[0].length;
    }
    if (at < line.length) nodes.push({ type: 'text', text: line.slice(at) });
    return nodes.length > 0 ? { type: 'paragraph', content: nodes } : { type: 'paragraph' };
  });
  return { type: 'doc', version: 1, content };
}

/** The account ids an ADF document mentions (its `mention` nodes), in order; none for anything else. Pure. */
export function adfMentionIds(value: unknown): string[] {
  const ids: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    const { type, attrs, content } = node as AdfNode;
    if (type === 'mention' && typeof attrs?.id === 'string') ids.push(attrs.id);
    if (Array.isArray(content)) for (const child of content) walk(child);
  };
  walk(value);
  return ids;
}

/**
 * An ADF document (or a plain string, as Jira's v2 fields and some webhooks carry) as plain text, leaving out
 * mentions of `omitMentionOf` (an account id: drydock's own, in a request addressed to it). Pure.
 */
export function adfToText(value: unknown, options: { omitMentionOf?: string } = {}): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return '';
  const lines: string[] = [];
  let line = '';
  const walk = (node: AdfNode): void => {
    // Bodies from webhooks are whatever was sent: a node that is not an object reads as nothing.
    if (node === null || typeof node !== 'object') return;
    if (node.type === 'text' && typeof node.text === 'string') line += node.text;
    else if (node.type === 'hardBreak') {
      lines.push(line);
      line = '';
    } else if (
      node.type === 'mention' &&
      typeof node.attrs?.text === 'string' &&
      (options.omitMentionOf === undefined || node.attrs.id !== options.omitMentionOf)
    )
      line += node.attrs.text;
    for (const child of Array.isArray(node.content) ? node.content : []) walk(child);
    if (BLOCKS.has(node.type)) {
      lines.push(line);
      line = '';
    }
  };
  walk(value as AdfNode);
  if (line !== '') lines.push(line);
  return lines.join('\n').trim();
}
