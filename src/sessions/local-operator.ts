import { userInfo } from 'node:os';
import type { SessionCreator } from '../core/session.ts';

/**
 * The person at this machine's CLI (`drydock token create`, `drydock secret set`, `drydock mcp` over
 * stdio), as the audit log and session events name them: `cli:<os user>`.
 */
export function localOperator(): SessionCreator {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? 'unknown';
  }
  return { id: `cli:${name}`, name: `${name} (cli)` };
}
