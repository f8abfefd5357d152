import type { ToolDefinition } from '../tool.ts';
import { applyPatchTool } from './apply-patch.ts';
import { bashTool } from './bash.ts';
import { editFileTool } from './edit-file.ts';
import { finishTool } from './finish.ts';
import { giveUpTool } from './give-up.ts';
import { listFilesTool } from './list-files.ts';
import { readFileTool } from './read-file.ts';
import { runChecksTool } from './run-checks.ts';
import { searchTool } from './search.ts';
import { todoTool } from './todo.ts';
import { writeFileTool } from './write-file.ts';

/** The coder's tools, by name. */
export function createCodingTools(): Map<string, ToolDefinition> {
  const tools = [
    readFileTool,
    writeFileTool,
    editFileTool,
    applyPatchTool,
    listFilesTool,
    searchTool,
    bashTool,
    todoTool,
    runChecksTool,
    finishTool,
    giveUpTool,
  ];
  return new Map(tools.map((tool) => [tool.name, tool]));
}
