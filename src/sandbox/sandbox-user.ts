import { readFileSync } from 'node:fs';
import { BadInputError } from '../core/errors.ts';
import type { HostUser } from '../core/ports/sandbox.ts';

/**
 * The host uid and gid a root drydock runs its sandboxes as when nothing says otherwise. Outside what
 * `useradd` hands out (users up to 60000, subordinate ranges up to 600100000) and what systemd
 * reserves (container ranges end at 1879048191; 2^31 and above confuses tools with signed ids).
 */
export const DEFAULT_SANDBOX_HOST_ID = 2_000_000_000;

/** The variable that names the sandbox's host user: `<uid>` or `<uid>:<gid>`. */
export const SANDBOX_UID_VARIABLE = 'DRYDOCK_SANDBOX_UID';

/** The user whose `/etc/subuid` and `/etc/subgid` entries name the sandbox's ids, when it has any. */
export const SUBORDINATE_OWNER = 'drydock';

/** The largest valid id: 2^32 - 1 is "no id" to the kernel. */
const MAX_ID = 4_294_967_294;

export interface SandboxUserInput {
  /** drydock's own user. */
  drydock: HostUser;
  /** The value of DRYDOCK_SANDBOX_UID, if set. */
  configured?: string | undefined;
  /** The contents of /etc/subuid and /etc/subgid, where they exist. */
  subuid?: string | undefined;
  subgid?: string | undefined;
}

/**
 * Where the sandbox's host user came from: drydock's own (drydock is not root, so its sandboxes map
 * to it and nothing else is possible), DRYDOCK_SANDBOX_UID, the `drydock` entries of /etc/subuid and
 * /etc/subgid, or the default.
 */
export type SandboxUserSource = 'drydock' | 'configured' | 'subordinate' | 'default';

export interface SandboxUser {
  user: HostUser;
  source: SandboxUserSource;
  /**
   * Whether it is not drydock's own user: then bubblewrap is started as it, and drydock hands it
   * the workspaces it prepares (drydock's own `.git` excepted).
   */
  separate: boolean;
}

function invalidConfigured(value: string): BadInputError {
  return new BadInputError(
    'bad_sandbox_uid',
    `${SANDBOX_UID_VARIABLE}="${value}" is not a host user for the sandbox: give a uid from 1 to ${MAX_ID}, ` +
      `optionally with a gid (\`${DEFAULT_SANDBOX_HOST_ID}:${DEFAULT_SANDBOX_HOST_ID}\`); 0 would make the ` +
      `sandbox root on the host. Unset it for the default, ${DEFAULT_SANDBOX_HOST_ID}.`,
  );
}

function parseId(text: string): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const id = Number(text);
  return id >= 1 && id <= MAX_ID ? id : null;
}

/** The first id of `owner`'s range in an /etc/subuid-style file, or null. */
export function subordinateStart(contents: string | undefined, owner: string): number | null {
  for (const line of (contents ?? '').split('\n')) {
    const [name, start, count] = line.trim().split(':');
    if (name !== owner || start === undefined || count === undefined) continue;
    const first = parseId(start);
    const size = parseId(count);
    if (first !== null && size !== null && first + size - 1 <= MAX_ID) return first;
  }
  return null;
}

/**
 * Which host user a sandbox runs as. A root drydock never gives it root: DRYDOCK_SANDBOX_UID when
 * set (invalid values throw `bad_sandbox_uid`), else the start of the `drydock` user's subordinate
 * range, else DEFAULT_SANDBOX_HOST_ID. A drydock that is not root can only map the sandbox to its own
 * user, so nothing is configured then. Pure.
 */
export function chooseSandboxUser(input: SandboxUserInput): SandboxUser {
  const { drydock } = input;
  if (drydock.uid !== 0) return { user: drydock, source: 'drydock', separate: false };
  const configured = input.configured?.trim() ?? '';
  if (configured !== '') {
    const [uidText = '', gidText, ...rest] = configured.split(':');
    const uid = parseId(uidText);
    const gid = gidText === undefined ? uid : parseId(gidText);
    if (uid === null || gid === null || rest.length > 0) throw invalidConfigured(configured);
    return { user: { uid, gid }, source: 'configured', separate: true };
  }
  const subuid = subordinateStart(input.subuid, SUBORDINATE_OWNER);
  if (subuid !== null) {
    const gid = subordinateStart(input.subgid, SUBORDINATE_OWNER) ?? subuid;
    return { user: { uid: subuid, gid }, source: 'subordinate', separate: true };
  }
  return {
    user: { uid: DEFAULT_SANDBOX_HOST_ID, gid: DEFAULT_SANDBOX_HOST_ID },
    source: 'default',
    separate: true,
  };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** drydock's own user. */
export function drydockUser(): HostUser {
  return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 };
}

let chosen: SandboxUser | undefined;

/**
 * This process's sandbox user (chooseSandboxUser over the environment and /etc/subuid), decided once:
 * every sandbox, workspace and layer of the process agrees on it. Throws `bad_sandbox_uid` for an
 * invalid DRYDOCK_SANDBOX_UID.
 */
export function sandboxUser(): SandboxUser {
  if (chosen !== undefined) return chosen;
  const drydock = drydockUser();
  chosen =
    drydock.uid === 0
      ? chooseSandboxUser({
          drydock,
          configured: process.env[SANDBOX_UID_VARIABLE],
          subuid: readOptional('/etc/subuid'),
          subgid: readOptional('/etc/subgid'),
        })
      : chooseSandboxUser({ drydock });
  return chosen;
}
