import { z } from 'zod';
import { defineTool } from '../tool.ts';

export const DEFAULT_BASH_TIMEOUT_MS = 120_000;
export const MAX_BASH_TIMEOUT_MS = 20 * 60_000;

export const bashTool = defineTool({
  name: 'bash',
  description:
    'Run a shell command (bash -c) in the workspace root inside the sandbox, and return its combined stdout and ' +
    'stderr with the exit code. The sandbox persists between calls, so background processes keep running; the ' +
    `working directory resets to the workspace root every call. Default timeout ${DEFAULT_BASH_TIMEOUT_MS / 1000} s; ` +
    'on timeout the whole process tree is killed. There is no network access unless the repository allows it.',
  inputSchema: z.object({
    command: z.string().min(1, 'command must not be empty'),
    timeoutMs: z.number().int().positive().max(MAX_BASH_TIMEOUT_MS).optional(),
  }),
  async execute({ command, timeoutMs }, { sandbox, signal, onOutput }) {
    const result = await sandbox.exec(command, {
      timeoutMs: timeoutMs ?? DEFAULT_BASH_TIMEOUT_MS,
      signal,
      ...(onOutput ? { onOutput: (chunk: string) => onOutput(chunk) } : {}),
    });
    const status = result.timedOut
      ? `timed out after ${timeoutMs ?? DEFAULT_BASH_TIMEOUT_MS} ms; the process tree was killed`
      : result.aborted
        ? 'cancelled; the process tree was killed'
        : result.exitCode === null
          ? `killed by ${result.signal}`
          : `exit code ${result.exitCode}`;
    const output = result.output === '' ? '(no output)' : result.output.replace(/\n$/, '');
    return {
      output: `${output}\n[${status}]`,
      isError: result.exitCode !== 0,
      summary: status,
    };
  },
});
