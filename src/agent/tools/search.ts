import { z } from 'zod';
import { plural } from '../../core/plural.ts';
import { defineTool, ToolError } from '../tool.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

const MAX_MATCHES = 300;

export const searchTool = defineTool({
  name: 'search',
  description:
    'Search file contents in the workspace with a regular expression (Perl-compatible syntax), respecting ' +
    `.gitignore. Returns "path:line: text" for each match, at most ${MAX_MATCHES}. Optional path narrows the search ` +
    'to a file or directory.',
  inputSchema: z.object({
    pattern: z.string().min(1, 'pattern must not be empty'),
    path: z.string().optional(),
  }),
  async execute({ pattern, path }, { sandbox, signal }) {
    const target = path === undefined ? '.' : resolveWorkspacePath(sandbox.workdir, path);
    const options = { signal, timeoutMs: 60_000, maxOutputBytes: 2_000_000 };
    // git grep respects .gitignore and also searches untracked files; plain grep covers non-repositories.
    let result = await sandbox.exec(
      [
        'git',
        '-c',
        'safe.directory=*',
        'grep',
        '-nIP',
        '--untracked',
        '--no-color',
        '-e',
        pattern,
        '--',
        target,
      ],
      options,
    );
    if (result.exitCode !== 0 && result.exitCode !== 1) {
      result = await sandbox.exec(
        ['grep', '-rnIP', '--exclude-dir=.git', '-e', pattern, '--', target],
        options,
      );
    }
    if (result.exitCode === 1) return { output: `No matches for /${pattern}/.`, summary: '0 matches' };
    if (result.exitCode !== 0) throw new ToolError(`Search failed: ${result.output.trim().slice(0, 500)}`);
    const lines = result.output.split('\n').filter((line) => line !== '');
    const shown = lines.slice(0, MAX_MATCHES);
    const more =
      lines.length > shown.length
        ? `\n[${lines.length - shown.length} more matches not shown; narrow the search]`
        : '';
    return { output: shown.join('\n') + more, summary: plural(lines.length, 'match', 'matches') };
  },
});
