import type { SandboxProvider } from '../../src/core/ports/sandbox.ts';
import { describeSandboxContract } from '../../src/sandbox/sandbox-contract.ts';
import { createMemorySandbox } from './memory-sandbox.ts';

/** The fake as a provider: every sandbox it makes starts empty and enforces nothing. */
const memoryProvider: SandboxProvider = {
  capabilities: { name: 'memory', isolated: false, network: false },
  confinement: { isolated: false, wrap: async (command) => command },
  check: async () => {},
  create: async () => createMemorySandbox(),
};

const RUNS_NOTHING = 'exec answers from the test’s handler: it runs no command, shell or process';

// The fake stands in for a sandbox in agent tests, so what it does do must be what a sandbox does.
describeSandboxContract('memory fake', () => memoryProvider, {
  skip: [
    {
      reason: RUNS_NOTHING,
      tests: [
        'exec > reports exit codes of shell commands and argv',
        'exec > passes argv to the program without a shell',
        'exec > feeds stdin as it is yielded and answers on stdout before it ends (a conversation)',
        'exec > gives a command without stdin an empty one, and one whose stdin ended sees its end',
        'exec > captures stdout and stderr in arrival order',
        'exec > runs in the workspace root, or in cwd relative to it',
        'exec > rejects a cwd that does not exist',
        'exec > uses the explicit environment only: spec env, exec env over it, nothing of the host',
        'exec > kills the whole process group on timeout, even a child that ignores SIGTERM',
        'exec > aborts through the AbortSignal',
        'exec > aborts a command whose signal fires as soon as exec was called (while it starts)',
        'exec > keeps the head and the tail of long output, with a note',
        'exec > streams output through onOutput as it arrives',
        'exec > keeps background processes alive between calls',
        'exec > returns when the command exits, even if a background process keeps its output open',
        'exec > runs commands concurrently',
        'files > shares files with commands',
        'files > stats files, directories and symlinks (without following them), and null for nothing',
        'destroy > stops commands that are still running',
      ],
    },
    {
      reason: 'a fake that enforces no limit reports none (Sandbox.limits is absent only on such fakes)',
      tests: [
        'limits > reports the limits in force, the wall clock always among them',
        'limits > rejects invalid limits with bad_input, starting nothing',
        'limits > ends the sandbox at its wall-clock limit: pending and later calls reject with sandbox_wall_time',
      ],
    },
    {
      reason: 'drydock runs no program of its own over an in-memory workspace: there is nothing to confine',
      tests: [
        "confinement > runs drydock's own program over the paths it names, with only the environment it is given",
      ],
    },
  ],
});
