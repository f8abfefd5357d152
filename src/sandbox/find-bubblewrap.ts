import { UnavailableError } from '../core/errors.ts';
import { NO_ISOLATION_HINT } from './bubblewrap-diagnosis.ts';
import { findExecutable } from './find-executable.ts';

/** bubblewrap is not there or cannot be run: how to install it, or how to do without. */
export function bubblewrapMissing(bwrapPath: string, cause?: unknown): UnavailableError {
  return new UnavailableError(
    'bubblewrap_missing',
    `bubblewrap (${bwrapPath}) is not installed or not executable: install it (\`apt-get install -y ` +
      `bubblewrap\` on Debian and Ubuntu, \`dnf install bubblewrap\` on Fedora), ${NO_ISOLATION_HINT}.`,
    { cause, transient: false },
  );
}

/** The bwrap binary as a path: checked up front, since the launcher's exec failing says less. */
export async function findBubblewrap(bwrapPath: string): Promise<string> {
  const found = await findExecutable(bwrapPath);
  if (found === null) throw bubblewrapMissing(bwrapPath);
  return found;
}
