// Repository knowledge (docs/knowledge.md): short notes drydock proposes after a session and a human
// approves, retrieved into later sessions' context. Types and pure helpers only.

export const KNOWLEDGE_KINDS = ['setup', 'pitfall', 'convention', 'other'] as const;
export type KnowledgeKind = (typeof KNOWLEDGE_KINDS)[number];

export const KNOWLEDGE_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type KnowledgeStatus = (typeof KNOWLEDGE_STATUSES)[number];

/** Where an item came from: the session that proposed it, or `manual` (added by a person). */
export const MANUAL_SOURCE = 'manual';

export interface KnowledgeItem {
  id: string;
  /** The repository, as sessions name it (a local path or `owner/name`). */
  repo: string;
  title: string;
  /** Markdown, short. */
  body: string;
  kind: KnowledgeKind;
  /** Paths in the repository the item concerns; empty: the whole repository. */
  files: string[];
  status: KnowledgeStatus;
  /** A session id, or `manual`. */
  source: string;
  proposedAt: string;
  /** The token name that approved or rejected it; null while pending. */
  decidedBy: string | null;
  decidedAt: string | null;
  updatedAt: string;
  /**
   * Files of the item that a session found missing at its base commit (so the item was not retrieved);
   * null when none were. Cleared when the item is edited.
   */
  staleFiles: string[] | null;
}

export type NewKnowledgeItem = Pick<
  KnowledgeItem,
  'repo' | 'title' | 'body' | 'kind' | 'files' | 'source'
> & {
  /** Default `pending`; a manual item added by an admin may be approved at once. */
  status?: KnowledgeStatus;
  decidedBy?: string | null;
};

export interface KnowledgeFilter {
  repo?: string;
  status?: KnowledgeStatus;
}

/** What a curator changes: the text, or the decision (with who made it). */
export interface KnowledgeUpdate {
  title?: string;
  body?: string;
  kind?: KnowledgeKind;
  files?: string[];
  decision?: { status: KnowledgeStatus; by: string };
}

/** A title longer than this is cut; bodies longer than MAX_KNOWLEDGE_BODY_CHARS too (items are short). */
export const MAX_KNOWLEDGE_TITLE_CHARS = 200;
export const MAX_KNOWLEDGE_BODY_CHARS = 4_000;

/** Default token budget for the knowledge a session's coder or reviewer is given (docs/knowledge.md). */
export const DEFAULT_KNOWLEDGE_TOKEN_BUDGET = 1_500;

/** A rough token count (4 characters a token), enough to keep a prompt section inside a budget. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Lowercase, punctuation to spaces, whitespace collapsed: two texts that say the same thing compare equal. */
export function normalizeKnowledgeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}/._-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The key two items share when one repeats the other: the same normalized title, or the same
 * normalized body and files. Proposals whose key matches an existing item's are dropped.
 */
export function knowledgeKeys(item: Pick<KnowledgeItem, 'title' | 'body' | 'files'>): string[] {
  const files = [...item.files].sort().join(',');
  return [
    `title:${normalizeKnowledgeText(item.title)}`,
    `body:${normalizeKnowledgeText(item.body)}|${files}`,
  ];
}

/** Whether `candidate` repeats one of `existing` (by normalized title, or body and files). */
export function repeatsKnowledge(
  candidate: Pick<KnowledgeItem, 'title' | 'body' | 'files'>,
  existing: ReadonlyArray<Pick<KnowledgeItem, 'title' | 'body' | 'files'>>,
): boolean {
  const seen = new Set(existing.flatMap(knowledgeKeys));
  return knowledgeKeys(candidate).some((key) => seen.has(key));
}
