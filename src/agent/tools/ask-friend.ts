import { z } from 'zod';
import type { ResolvedModel } from '../../core/ports/models.ts';
import type { Sandbox } from '../../core/ports/sandbox.ts';
import type { Usage } from '../../core/session.ts';
import { truncateText } from '../../core/truncate.ts';
import { askFriend, type FriendFile, MAX_FRIEND_FILE_CHARS, MAX_FRIEND_FILES_CHARS } from '../friend.ts';
import { defineTool, type ToolDefinition } from '../tool.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

/** The most files one question may show the friend. */
export const MAX_FRIEND_FILES = 8;
/** How much of an answer its `friend.consulted` event keeps (the coder gets all of it). */
export const ANSWER_EXCERPT_CHARS = 2_000;

/** What `ask_friend` needs from the session: the friend, the task, the budget, and a digest. */
export interface FriendDesk {
  friend: ResolvedModel;
  task: string;
  /** Why no consult may happen now (the count or the cost is spent), or null when one may. */
  refusal(): string | null;
  /** The session so far, for the friend: what was tried, the last gate failure, the diff's size. */
  digest(): Promise<string>;
  /** Counts a consult that happened against the budget. */
  spent(usage: Usage): void;
  nowMs(): number;
}

/**
 * `ask_friend`: the coder asks a stronger model for advice. Only given to the coder when the session
 * has a friend. A consult past the friend's budget is answered with that, not an error.
 */
export function createAskFriendTool(desk: FriendDesk): ToolDefinition {
  return defineTool({
    name: 'ask_friend',
    description:
      'Ask a stronger model (your "smart friend") for advice. It sees the task, your question, the files you ' +
      'name (read from the workspace, capped) and a digest of what you have done so far, and answers in ' +
      'text; it cannot run or change anything. Consults are few and costly: ask when you are stuck after ' +
      'two tries, meet an unfamiliar API, or face a design choice with consequences. Ask a specific ' +
      'question and name the files that matter.',
    inputSchema: z.object({
      question: z.string().trim().min(1).max(4_000).describe('What you want advice on, specifically'),
      files: z
        .array(z.string())
        .max(MAX_FRIEND_FILES)
        .optional()
        .describe('Workspace paths the friend should read (relevant code, failing test)'),
    }),
    async execute({ question, files = [] }, { sandbox, signal, redact }) {
      const refusal = desk.refusal();
      if (refusal) return { output: refusal, summary: 'friend budget spent' };
      const shown = await readFriendFiles(sandbox, files);
      const startedMs = desk.nowMs();
      const { answer, usage } = await askFriend({
        friend: desk.friend,
        brief: { task: desk.task, question, files: shown, digest: await desk.digest() },
        signal,
        ...(redact ? { redact } : {}),
      });
      desk.spent(usage);
      return {
        output: `Your friend (${desk.friend.spec}) answers:\n\n${answer}`,
        summary: `friend answered: ${truncateText(answer.split('\n', 1)[0] ?? '', 100)}`,
        usage,
        events: [
          {
            type: 'friend.consulted',
            trigger: 'tool',
            model: desk.friend.spec,
            question,
            ...(shown.length > 0 ? { files: shown.map((file) => file.path) } : {}),
            answer: truncateText(answer, ANSWER_EXCERPT_CHARS),
            usage,
            durationMs: desk.nowMs() - startedMs,
          },
        ],
      };
    },
  });
}

/**
 * The named files as the friend sees them, through the sandbox (so a link cannot reach the host), each
 * capped and all of them together too. A file that cannot be shown says why instead of failing the consult.
 */
export async function readFriendFiles(sandbox: Sandbox, paths: readonly string[]): Promise<FriendFile[]> {
  const files: FriendFile[] = [];
  let left = MAX_FRIEND_FILES_CHARS;
  for (const path of new Set(paths)) {
    let relative: string;
    try {
      relative = resolveWorkspacePath(sandbox.workdir, path);
    } catch {
      files.push({ path, content: '(not shown: outside the workspace)' });
      continue;
    }
    const stat = await sandbox.stat(relative);
    if (stat?.type !== 'file') {
      files.push({ path: relative, content: stat ? '(not shown: not a file)' : '(not shown: no such file)' });
      continue;
    }
    if (left <= 0) {
      files.push({ path: relative, content: '(not shown: the files shown already fill the space)' });
      continue;
    }
    const content = await sandbox.readFile(relative);
    if (content.includes(0)) {
      files.push({ path: relative, content: `(not shown: a binary file of ${content.length} bytes)` });
      continue;
    }
    const text = truncateText(content.toString('utf8'), Math.min(MAX_FRIEND_FILE_CHARS, left));
    left -= text.length;
    files.push({ path: relative, content: text });
  }
  return files;
}
