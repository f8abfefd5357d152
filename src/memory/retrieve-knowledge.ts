import MiniSearch from 'minisearch';
import {
  DEFAULT_KNOWLEDGE_TOKEN_BUDGET,
  estimateTokens,
  type KnowledgeItem,
  MANUAL_SOURCE,
} from '../core/knowledge.ts';

export interface RetrievalQuery {
  /** The session's task (and follow-ups). */
  task: string;
  /** The reviewer's query also names the changed files: items about them rank higher. */
  files?: readonly string[];
  /** Default DEFAULT_KNOWLEDGE_TOKEN_BUDGET. */
  budgetTokens?: number;
}

export interface Retrieval {
  /** The items given, most relevant first. */
  items: KnowledgeItem[];
  /** The "Repository knowledge" section for a prompt; empty when no item was chosen. */
  section: string;
}

/**
 * Words too common to say anything about relevance: without this list "fix the bug in the parser"
 * would match every item that says "the", and every path would match every other by `src` and `ts`.
 */
const STOP_WORDS = new Set(
  (
    'a an and are as at be but by can do does for from has have how i if in into is it its must not of on or ' +
    'our so should that the their then there these this to use used was we were what when where which while ' +
    'who will with you your fix add make change update file files ' +
    // Parts of nearly every path.
    'src lib ts tsx js jsx mjs cjs py go rs md json yaml yml index'
  ).split(' '),
);

/** Splits text and paths alike: `src/core/parse-args.ts` gives src, core, parse, args, ts. */
function tokenize(text: string): string[] {
  return text.split(/[^\p{L}\p{N}]+/u).filter((token) => token.length > 1);
}

function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  return STOP_WORDS.has(lower) ? null : lower;
}

/**
 * The approved items most relevant to the query (full-text search over title, body and files with
 * MiniSearch; docs/knowledge.md), as many as fit in the token budget. An item the query shares no
 * meaningful word with is never chosen. The caller passes only items that may be retrieved (approved,
 * not stale). Pure.
 */
export function retrieveKnowledge(items: readonly KnowledgeItem[], query: RetrievalQuery): Retrieval {
  const budget = query.budgetTokens ?? DEFAULT_KNOWLEDGE_TOKEN_BUDGET;
  const text = [query.task, ...(query.files ?? [])].join('\n');
  if (
    items.length === 0 ||
    tokenize(text)
      .map(processTerm)
      .every((term) => term === null)
  ) {
    return { items: [], section: '' };
  }
  const search = new MiniSearch<{ id: string; title: string; body: string; files: string }>({
    fields: ['title', 'body', 'files'],
    tokenize,
    processTerm,
    searchOptions: { boost: { title: 2, files: 2 }, prefix: true, fuzzy: 0.15, combineWith: 'OR' },
  });
  const byId = new Map(items.map((item) => [item.id, item]));
  search.addAll(items.map((item) => ({ ...item, files: item.files.join(' ') })));
  const ranked = search
    .search(text)
    .map((result) => byId.get(String(result.id)))
    .filter((item) => item !== undefined);
  const chosen: KnowledgeItem[] = [];
  let used = estimateTokens(sectionHeading());
  for (const item of ranked) {
    const cost = estimateTokens(formatKnowledgeItem(item));
    // A long item that does not fit leaves room for shorter ones further down.
    if (used + cost > budget) continue;
    chosen.push(item);
    used += cost;
  }
  if (chosen.length === 0) return { items: [], section: '' };
  return { items: chosen, section: [sectionHeading(), ...chosen.map(formatKnowledgeItem)].join('\n\n') };
}

function sectionHeading(): string {
  return (
    '# Repository knowledge\n\n' +
    'Notes people approved from earlier work on this repository, most relevant first. They are hints ' +
    'about this repository, not rules: check them against the code.'
  );
}

/** Where an item came from and who let it in, as the prompt and the UI say it. */
export function knowledgeProvenance(item: KnowledgeItem): string {
  const from = item.source === MANUAL_SOURCE ? 'added by hand' : `from session ${item.source}`;
  return item.decidedBy ? `${from}, approved by ${item.decidedBy}` : from;
}

export function formatKnowledgeItem(item: KnowledgeItem): string {
  const files = item.files.length > 0 ? `\nFiles: ${item.files.map((file) => `\`${file}\``).join(', ')}` : '';
  return `## ${item.title}\n(${item.kind}; ${knowledgeProvenance(item)})\n\n${item.body}${files}`;
}
