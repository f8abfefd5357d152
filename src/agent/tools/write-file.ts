import { z } from 'zod';
import { defineTool } from '../tool.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

export const writeFileTool = defineTool({
  name: 'write_file',
  description:
    'Create a file, or replace a whole file, with the given content. Parent directories are created. ' +
    'To change part of an existing file, prefer edit_file.',
  inputSchema: z.object({
    path: z.string().describe('Path relative to the workspace root'),
    content: z.string(),
  }),
  async execute({ path, content }, { sandbox }) {
    const relative = resolveWorkspacePath(sandbox.workdir, path);
    const existed = (await sandbox.stat(relative)) !== null;
    await sandbox.writeFile(relative, content);
    const lines = content === '' ? 0 : content.split('\n').length;
    return { output: `${existed ? 'Replaced' : 'Created'} ${relative} (${lines} lines).` };
  },
});
