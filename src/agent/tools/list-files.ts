import { z } from 'zod';
import { plural } from '../../core/plural.ts';
import { defineTool, ToolError } from '../tool.ts';
import { globMatcher } from './glob.ts';

const MAX_ENTRIES = 1000;

export const listFilesTool = defineTool({
  name: 'list_files',
  description:
    'List files in the workspace, respecting .gitignore. Optional glob pattern: "*.ts" matches at any depth, ' +
    '"src/**/*.test.ts" from the root, "{a,b}" alternatives, "!*.md" everything but; "*" matches dotfiles too. ' +
    `At most ${MAX_ENTRIES} paths are returned.`,
  inputSchema: z.object({ pattern: z.string().optional() }),
  async execute({ pattern }, { sandbox, signal }) {
    const git = await sandbox.exec(
      ['git', '-c', 'safe.directory=*', 'ls-files', '-co', '--exclude-standard', '-z'],
      {
        signal,
        timeoutMs: 30_000,
      },
    );
    let paths: string[];
    if (git.exitCode === 0) {
      paths = git.output.split('\0').filter((path) => path !== '');
    } else {
      const find = await sandbox.exec(['find', '.', '-type', 'f', '-not', '-path', './.git/*', '-print0'], {
        signal,
        timeoutMs: 30_000,
      });
      if (find.exitCode !== 0) throw new ToolError(`Listing files failed: ${find.output.slice(0, 500)}`);
      paths = find.output
        .split('\0')
        .filter((path) => path !== '')
        .map((path) => path.replace(/^\.\//, ''));
    }
    const matches = pattern ? globMatcher(pattern) : null;
    const matched = [...new Set(paths)].filter((path) => !matches || matches(path)).sort();
    if (matched.length === 0)
      return { output: pattern ? `No files match "${pattern}".` : 'The workspace is empty.' };
    const shown = matched.slice(0, MAX_ENTRIES);
    const more =
      matched.length > shown.length
        ? `\n[${matched.length - shown.length} more not shown; narrow the pattern]`
        : '';
    return { output: shown.join('\n') + more, summary: plural(matched.length, 'file') };
  },
});
