import { LAUNCHER_BIND_ERROR, LAUNCHER_CGROUP_ERROR } from './sandbox-launcher.ts';

export const NO_ISOLATION_HINT =
  'or run without isolation (`--sandbox none`) on a machine you trust with the repository';

/** Turns bubblewrap's stderr into a message that names the cause and the fix. */
export function explainBubblewrapFailure(stderr: string): string {
  const output = stderr.trim() === '' ? 'no error output' : stderr.trim();
  if (output.includes(LAUNCHER_CGROUP_ERROR)) {
    return (
      `drydock could not move the sandbox into its cgroup (${output}). Run drydock as root with the cgroup ` +
      'v1 memory, pids and cpu hierarchies mounted, or delegate a cgroup v2 subtree with those controllers ' +
      `to drydock, ${NO_ISOLATION_HINT}.`
    );
  }
  if (output.includes(LAUNCHER_BIND_ERROR)) {
    return (
      `drydock could not bind what the sandbox needs where its unprivileged user can reach it (${output}). ` +
      'Check that `unshare --mount` and `mount --bind` work here as root, and that nothing removes ' +
      `drydock's stage directory (drydock-scripts-<uid>/stage in the temporary directory), ${NO_ISOLATION_HINT}.`
    );
  }
  if (/unknown option|unrecognized option/i.test(output)) {
    return (
      `bubblewrap is too old for drydock (${output}): it needs bubblewrap 0.8 or later ` +
      `(for --disable-userns). Upgrade it (Debian 12 and Ubuntu 24.04 ship 0.8), ${NO_ISOLATION_HINT}.`
    );
  }
  if (/new namespace|uid map|user namespace|userns/i.test(output)) {
    return (
      `bubblewrap cannot create user namespaces here (${output}); drydock starts it as an unprivileged ` +
      'user, even when drydock itself is root. Inside a container, run the ' +
      'container with --privileged or a seccomp/AppArmor profile that allows them; on a host, enable ' +
      'unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 and ' +
      'user.max_user_namespaces > 0; on Ubuntu also kernel.apparmor_restrict_unprivileged_userns=0), ' +
      `${NO_ISOLATION_HINT}.`
    );
  }
  if (/mount proc|\/proc/i.test(output)) {
    return (
      `bubblewrap cannot mount /proc here (${output}): the container masks parts of /proc. Run it with ` +
      `--security-opt systempaths=unconfined or --privileged, ${NO_ISOLATION_HINT}.`
    );
  }
  if (/loopback|RTM_NEWADDR|network/i.test(output)) {
    return (
      `bubblewrap cannot set up a private network namespace here (${output}). Allow network namespaces ` +
      `in the container (CAP_NET_ADMIN inside a user namespace is blocked by its profile), ${NO_ISOLATION_HINT}.`
    );
  }
  return `bubblewrap failed to start the sandbox (${output}). Check that \`bwrap --unshare-all --unshare-user --uid 1000 --ro-bind / / true\` works here, ${NO_ISOLATION_HINT}.`;
}
