import type { HostCommandConfinement } from '../core/ports/sandbox.ts';
import { buildConfinementArgs, CONFINED_GIT_CAPABILITIES } from './bubblewrap-args.ts';
import type { BubblewrapContext } from './bubblewrap-context.ts';
import { SECCOMP_FD } from './sandbox-launcher.ts';

/** The descriptor bubblewrap joins the shared user namespace by (`--userns 8`), next to the seccomp filter's. */
const USERNS_FD = 8;

/**
 * How drydock's own programs (its git) run over a workspace: in a bubblewrap sandbox of their own
 * with the seccomp filter, in the namespace where drydock and the sandbox user are both mapped when
 * they differ, from an empty environment in `/`. The descriptors bubblewrap reads are opened by a
 * line of sh before it starts.
 */
export function createBubblewrapConfinement(
  context: Pick<BubblewrapContext, 'bubblewrap' | 'hostLayout' | 'seccompFile' | 'users'>,
): HostCommandConfinement {
  return {
    isolated: true,
    async wrap(command, paths) {
      const filter = await context.seccompFile();
      // drydock's git works on trees that are partly the sandbox user's: it runs where both are mapped.
      const userns = await context.users.sharedUserns();
      const args = buildConfinementArgs(
        await context.hostLayout(),
        command,
        paths,
        filter === null ? undefined : SECCOMP_FD,
        userns === null ? undefined : { fd: USERNS_FD, capabilities: CONFINED_GIT_CAPABILITIES },
      );
      // bubblewrap's own pid 1 in the sandbox keeps the environment it starts with: none.
      const bwrap = await context.bubblewrap();
      const fds = [
        ...(filter === null ? [] : [{ fd: SECCOMP_FD, path: filter }]),
        ...(userns === null ? [] : [{ fd: USERNS_FD, path: userns }]),
      ];
      if (fds.length === 0) return { file: bwrap, args, cwd: '/', env: {} };
      const opens = fds.map(({ fd }, index) => `exec ${fd}< "$${index + 1}"`).join(' && ');
      return {
        file: '/bin/sh',
        args: [
          '-c',
          `${opens} && shift ${fds.length} && exec "$@"`,
          'drydock-confine',
          ...fds.map(({ path }) => path),
          bwrap,
          ...args,
        ],
        cwd: '/',
        env: {},
      };
    },
  };
}
