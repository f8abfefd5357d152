import type { SessionDeps } from '../sessions/session-deps.ts';
import type { EmbeddedOptions } from './cli-context.ts';
import { createRemoteClient, type RemoteClient } from './remote-client.ts';

/** What every command's registration gets from the program that holds it. */
export interface ProgramContext {
  /** The embedded deps, opened on first use; the program closes them after the command ran. */
  embedded(options?: EmbeddedOptions): Promise<SessionDeps>;
  /** With DRYDOCK_URL set, commands talk to that server instead of running embedded. */
  remote(): RemoteClient | null;
  out: NodeJS.WriteStream;
  write(text: string): void;
  /** The process's exit code once the command ends (exit-codes.ts). */
  setExitCode(code: number): void;
}

/** A client of the server at DRYDOCK_URL, with DRYDOCK_TOKEN, or null when it is unset. */
export function remoteFromEnv(): RemoteClient | null {
  const url = process.env.DRYDOCK_URL?.trim();
  return url ? createRemoteClient(url, process.env.DRYDOCK_TOKEN) : null;
}
