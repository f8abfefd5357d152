import { BadInputError } from '../core/errors.ts';

export type WorkspaceChoice = 'layers' | 'clone';

/**
 * `DRYDOCK_WORKSPACES`: `layers` (the default: overlay layers where drydock can mount them, else a
 * plain clone, saying why) or `clone` (always a plain clone). Pure.
 */
export function workspaceChoice(env: NodeJS.ProcessEnv): WorkspaceChoice {
  const value = (env.DRYDOCK_WORKSPACES ?? '').trim();
  if (value === '' || value === 'layers') return 'layers';
  if (value === 'clone') return 'clone';
  throw new BadInputError(
    'invalid_workspaces',
    `DRYDOCK_WORKSPACES="${value}" is not a workspace kind: use layers (the default: copy-on-write layers, ` +
      'snapshots after every step, environment images) or clone (a plain clone per session).',
  );
}
