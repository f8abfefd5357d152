import { isForgeError } from '../core/errors.ts';
import { mayTrigger } from './github-events.ts';
import type { TriggerDeps } from './trigger-deps.ts';

/** Whether `user` may ask; when drydock cannot even read the permission, yes, so the session fails visibly. */
export async function permittedOrUnknown(deps: TriggerDeps, repo: string, user: string): Promise<boolean> {
  try {
    return await allowed(deps, repo, user);
  } catch (error) {
    if (!isForgeError(error, 'forge_no_access')) throw error;
    return true;
  }
}

export async function allowed(deps: TriggerDeps, repo: string, user: string): Promise<boolean> {
  return mayTrigger(await deps.forge!.permission(repo, user));
}
