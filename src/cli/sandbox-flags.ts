import { BadInputError } from '../core/errors.ts';
import type { EgressRule } from '../core/ports/sandbox.ts';

export type SandboxChoice = 'bubblewrap' | 'none';

/** `--sandbox` (or `DRYDOCK_SANDBOX`): bubblewrap by default; `none` only when asked for by name. Pure. */
export function sandboxChoice(flag: string | undefined, env: NodeJS.ProcessEnv): SandboxChoice {
  const value = (flag ?? env.DRYDOCK_SANDBOX ?? 'bubblewrap').trim();
  if (value === 'bubblewrap' || value === 'none') return value;
  throw new BadInputError(
    'unknown_sandbox',
    `Unknown sandbox "${value}". Use --sandbox bubblewrap (the default, isolated) or --sandbox none (no isolation).`,
  );
}

/** `--allow-host example.org[:port]`, repeatable: the hosts the sandbox may reach through drydock's proxy. Pure. */
export function allowHostRules(values: readonly string[]): EgressRule[] {
  return values.map((value) => {
    const match = /^(\*\.)?([a-z0-9.-]+|\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/i.exec(value.trim());
    const port = match?.[3] === undefined ? undefined : Number(match[3]);
    if (!match || (port !== undefined && (port < 1 || port > 65535))) {
      throw new BadInputError(
        'invalid_allow_host',
        `--allow-host "${value}" is not a host name with an optional port (example.org, *.example.org, registry.npmjs.org:443).`,
      );
    }
    const host = `${match[1] ?? ''}${match[2]!.toLowerCase()}`;
    return port === undefined ? { host } : { host, port };
  });
}
