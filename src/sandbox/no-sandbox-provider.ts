import type { SandboxProvider } from '../core/ports/sandbox.ts';
import { createHostProvider, type HostProviderOptions, noIsolationWarning } from './host-provider.ts';

export const NO_SANDBOX_WARNING = noIsolationWarning('--sandbox none');

/**
 * The explicit `--sandbox none`: the host provider (commands run on this machine, as drydock's user)
 * under its own name, with a warning the CLI prints loudly on every run. For machines where bubblewrap
 * cannot run and the user accepts what that means; never a silent fallback.
 */
export function createNoSandboxProvider(options: HostProviderOptions = {}): SandboxProvider {
  const host = createHostProvider(options);
  return {
    ...host,
    capabilities: {
      name: 'none',
      isolated: false,
      network: true,
      egressAllowlist: false,
      warning: NO_SANDBOX_WARNING,
    },
  };
}
