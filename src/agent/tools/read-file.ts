import { z } from 'zod';
import { defineTool, ToolError } from '../tool.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

const MAX_LINES = 2000;

export const readFileTool = defineTool({
  name: 'read_file',
  description:
    'Read a text file from the workspace. Returns numbered lines ("  12| text"). Use startLine and endLine ' +
    `(1-based, inclusive) to read part of a large file; at most ${MAX_LINES} lines are returned per call.`,
  inputSchema: z.object({
    path: z.string().describe('Path relative to the workspace root'),
    startLine: z.number().int().min(1).optional(),
    endLine: z.number().int().min(1).optional(),
  }),
  async execute({ path, startLine, endLine }, { sandbox }) {
    const relative = resolveWorkspacePath(sandbox.workdir, path);
    const stat = await sandbox.stat(relative);
    if (!stat) throw new ToolError(`No file at "${relative}". Use list_files to see what exists.`);
    if (stat.type === 'directory')
      throw new ToolError(`"${relative}" is a directory. Use list_files to see inside it.`);
    const content = await sandbox.readFile(relative);
    if (content.includes(0)) return { output: `"${relative}" is a binary file (${content.length} bytes).` };
    const lines = content.toString('utf8').split('\n');
    if (lines.length > 1 && lines.at(-1) === '') lines.pop();
    const first = startLine ?? 1;
    if (first > Math.max(lines.length, 1)) {
      throw new ToolError(`startLine ${first} is past the end of "${relative}" (${lines.length} lines).`);
    }
    const last = Math.min(endLine ?? lines.length, lines.length, first + MAX_LINES - 1);
    if (last < first) throw new ToolError(`endLine ${endLine} is before startLine ${first}.`);
    const width = String(last).length;
    const body = lines
      .slice(first - 1, last)
      .map((line, index) => `${String(first + index).padStart(width)}| ${line}`)
      .join('\n');
    const more =
      last < lines.length ? `\n[lines ${last + 1}-${lines.length} not shown; read on with startLine]` : '';
    return {
      output: (body === '' ? '(empty file)' : body) + more,
      summary: `${relative} lines ${first}-${last} of ${lines.length}`,
    };
  },
});
