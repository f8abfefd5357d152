import { z } from 'zod';
import { NO_REDACTION } from '../../core/redaction.ts';
import { defineTool, ToolError } from '../tool.ts';
import { planEdit } from './plan-edit.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

export const editFileTool = defineTool({
  name: 'edit_file',
  description:
    'Replace one exact occurrence of oldText with newText in a file. oldText must match the file exactly ' +
    '(whitespace included) and exactly once; include surrounding lines to make it unique. ' +
    'Read the file first so oldText is copied from its current content. Secret values show as [secret NAME]: ' +
    'edit around them, never include a placeholder in oldText or newText.',
  inputSchema: z.object({
    path: z.string().describe('Path relative to the workspace root'),
    oldText: z.string().min(1, 'oldText must not be empty'),
    newText: z.string(),
  }),
  async execute({ path, oldText, newText }, { sandbox, redact }) {
    const relative = resolveWorkspacePath(sandbox.workdir, path);
    const stat = await sandbox.stat(relative);
    if (stat?.type !== 'file') throw new ToolError(`No file at "${relative}". Use write_file to create it.`);
    // The real content: what the model saw was redacted, and must not be what is written back.
    const content = (await sandbox.readFile(relative)).toString('utf8');
    const plan = planEdit(content, oldText, newText, redact ?? NO_REDACTION, relative);
    if ('problem' in plan) throw new ToolError(plan.problem);
    await sandbox.writeFile(relative, plan.content);
    return { output: `Edited ${relative} at line ${plan.line}.` };
  },
});
