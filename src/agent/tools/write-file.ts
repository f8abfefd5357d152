import { z } from 'zod';
import { placeholdersIn } from '../../core/redaction.ts';
import { defineTool, ToolError } from '../tool.ts';
import { writesPlaceholder } from './plan-edit.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

export const writeFileTool = defineTool({
  name: 'write_file',
  description:
    'Create a file, or replace a whole file, with the given content. Parent directories are created. ' +
    'To change part of an existing file, prefer edit_file (always for a file that shows a [secret NAME]).',
  inputSchema: z.object({
    path: z.string().describe('Path relative to the workspace root'),
    content: z.string(),
  }),
  async execute({ path, content }, { sandbox, redact }) {
    const relative = resolveWorkspacePath(sandbox.workdir, path);
    const names = redact ? placeholdersIn(content, redact.names) : [];
    if (names.length > 0) throw new ToolError(writesPlaceholder(relative, names, 'content'));
    const existed = (await sandbox.stat(relative)) !== null;
    await sandbox.writeFile(relative, content);
    const lines = content === '' ? 0 : content.split('\n').length;
    return { output: `${existed ? 'Replaced' : 'Created'} ${relative} (${lines} lines).` };
  },
});
