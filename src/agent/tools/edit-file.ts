import { z } from 'zod';
import { defineTool, ToolError } from '../tool.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

export const editFileTool = defineTool({
  name: 'edit_file',
  description:
    'Replace one exact occurrence of oldText with newText in a file. oldText must match the file exactly ' +
    '(whitespace included) and exactly once; include surrounding lines to make it unique. ' +
    'Read the file first so oldText is copied from its current content.',
  inputSchema: z.object({
    path: z.string().describe('Path relative to the workspace root'),
    oldText: z.string().min(1, 'oldText must not be empty'),
    newText: z.string(),
  }),
  async execute({ path, oldText, newText }, { sandbox }) {
    const relative = resolveWorkspacePath(sandbox.workdir, path);
    const stat = await sandbox.stat(relative);
    if (stat?.type !== 'file') throw new ToolError(`No file at "${relative}". Use write_file to create it.`);
    const content = (await sandbox.readFile(relative)).toString('utf8');
    const matches = findAll(content, oldText);
    if (matches.length === 0) {
      throw new ToolError(
        `oldText was not found in ${relative}. It must match exactly, whitespace included; read the file again and copy the text.`,
      );
    }
    if (matches.length > 1) {
      const lines = matches.map((offset) => lineOf(content, offset)).join(', ');
      throw new ToolError(
        `oldText matches ${matches.length} times in ${relative} (at lines ${lines}). Include more surrounding text so it matches once.`,
      );
    }
    const offset = matches[0]!;
    await sandbox.writeFile(
      relative,
      content.slice(0, offset) + newText + content.slice(offset + oldText.length),
    );
    return { output: `Edited ${relative} at line ${lineOf(content, offset)}.` };
  },
});

function findAll(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
