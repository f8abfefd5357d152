import { truncateText } from '../core/truncate.ts';
import { REPO_CONFIG_PATH } from './repo-config.ts';

/** What most likely made a setup command fail, as far as its output tells. */
export type SetupFailureCause =
  | 'package_manager_unavailable'
  | 'lockfile_outdated'
  | 'node_version'
  | 'out_of_memory'
  | 'out_of_disk'
  | 'network'
  | 'package_unavailable'
  | 'unknown';

export interface SetupFailureInput {
  /** The failing command's output (redacted); the whole of it when possible, its tail at least. */
  output: string;
  exitCode: number | null;
  signal?: string | null;
  /** Connections the egress proxy refused while setup ran (`host:port`). */
  blockedHosts: readonly string[];
  /** The package manager detected setup runs (null: the config's commands, or none detected). */
  packageManager: {
    spec: string;
    npmPackage: string | null;
    pinned: boolean;
    name: string;
    flavour?: 'classic' | 'berry';
  } | null;
  /** describeNodeMismatch's sentence when the sandbox's Node misses a requirement, else null. */
  nodeMismatch: string | null;
  /** `node --version` in the sandbox, when known (named when Node is the likely cause). */
  nodeVersion?: string | null;
  /** Whether the commands came from `.drydock/config.yaml` or were detected. */
  source: 'config' | 'detected';
}

export interface SetupFailureExplanation {
  cause: SetupFailureCause;
  /** For people: the likely cause, the output line that says so, and how to override setup. Ends with the override. */
  text: string;
}

interface Rule {
  cause: SetupFailureCause;
  /** A line of output that says so; null when the rule needs no line (an exit status, refused hosts). */
  match: (input: SetupFailureInput) => { evidence: string | null } | null;
}

/** Lines package managers print when a frozen install finds the lockfile out of date (real output, see the tests). */
const LOCKFILE_OUTDATED = [
  /`npm ci` can only install packages when your package\.json and package-lock\.json/,
  /ERR_PNPM_OUTDATED_LOCKFILE/,
  /Cannot install with "frozen-lockfile" because pnpm-lock\.yaml is not up to date/,
  /ERR_PNPM_NO_LOCKFILE/,
  /Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`/,
  /YN0028: .*The lockfile would have been (modified|created) by this install, which is explicitly forbidden/,
  /lockfile had changes, but lockfile is frozen/,
];

/** Lines that say Node is the wrong version for the repository or for its package manager. */
const NODE_VERSION = [
  /npm (error|ERR!) code EBADENGINE/,
  /npm (error|ERR!) notsup /,
  /ERR_PNPM_UNSUPPORTED_ENGINE/,
  /The engine "node" is incompatible with this module/,
  /engine "node" is incompatible/,
  /This version of pnpm requires at least Node\.js/,
  /Usage Error: This tool requires a Node version compatible with/,
];

/** Weaker signs of the same: a warning, or a crash on something only a newer Node has. */
const NODE_VERSION_HINTS = [/EBADENGINE/, /Unsupported engine/, /ERR_UNKNOWN_BUILTIN_MODULE/];

const NETWORK = [
  /\bECONNREFUSED\b/,
  /\bENOTFOUND\b/,
  /\bEAI_AGAIN\b/,
  /\bECONNRESET\b/,
  /\bETIMEDOUT\b/,
  /tunneling socket could not be established/,
];

const PACKAGE_UNAVAILABLE = [
  /No matching version found for /,
  /npm (error|ERR!) code E40[134]\b/,
  /ERR_PNPM_(FETCH_40[134]|NO_MATCHING_VERSION)\b/,
  /Couldn't find any versions for /,
  /YN0035: /,
];

const RULES: readonly Rule[] = [
  {
    cause: 'package_manager_unavailable',
    match: (input) => {
      const pkg = input.packageManager?.npmPackage;
      if (!pkg) return null;
      const name = escapeRegExp(pkg);
      return lineMatching(input.output, [
        new RegExp(`No matching version found for ${name}@`),
        new RegExp(`404 Not Found - GET \\S+/${name.replace('/', '(?:%2f|/)')}(\\s|$)`, 'i'),
        new RegExp(`'${name}@[^']*' could not be found`),
      ]);
    },
  },
  { cause: 'lockfile_outdated', match: (input) => lineMatching(input.output, LOCKFILE_OUTDATED) },
  { cause: 'node_version', match: (input) => lineMatching(input.output, NODE_VERSION) },
  {
    cause: 'out_of_memory',
    match: (input) =>
      lineMatching(input.output, [/JavaScript heap out of memory/, /\bENOMEM\b/]) ??
      (input.exitCode === 137 || input.signal === 'SIGKILL' ? { evidence: null } : null),
  },
  {
    cause: 'out_of_disk',
    match: (input) => lineMatching(input.output, [/\bENOSPC\b/, /no space left on device/i]),
  },
  {
    cause: 'network',
    match: (input) =>
      input.blockedHosts.length > 0
        ? (lineMatching(input.output, [...NETWORK, /\b403\b/]) ?? { evidence: null })
        : lineMatching(input.output, NETWORK),
  },
  { cause: 'package_unavailable', match: (input) => lineMatching(input.output, PACKAGE_UNAVAILABLE) },
  { cause: 'node_version', match: (input) => lineMatching(input.output, NODE_VERSION_HINTS) },
];

/**
 * Reads a failed setup command's output for the likely cause: the package manager could not be
 * fetched, the lockfile is out of date, Node is the wrong version, memory or disk ran out, the
 * network was refused, a package is not on the registry; else it says the command failed, plainly.
 * The text quotes the line that gave the cause away and ends with how to set up the repository
 * another way (`setup:` in .drydock/config.yaml, and the key for the cause). Pure; never throws.
 */
export function explainSetupFailure(input: SetupFailureInput): SetupFailureExplanation {
  for (const rule of RULES) {
    const found = rule.match(input);
    if (found) return { cause: rule.cause, text: explain(rule.cause, found.evidence, input) };
  }
  return { cause: 'unknown', text: explain('unknown', null, input) };
}

function explain(cause: SetupFailureCause, evidence: string | null, input: SetupFailureInput): string {
  const said = evidence === null ? '' : ` (${quote(evidence)})`;
  const pm = input.packageManager;
  const mismatch = input.nodeMismatch === null ? '' : ` ${capitalize(input.nodeMismatch)}.`;
  const sandboxNode = input.nodeVersion ? ` The sandbox's Node is ${input.nodeVersion.trim()}.` : '';
  const hosts = input.blockedHosts.length > 0 ? input.blockedHosts.join(', ') : null;
  const sentences: string[] = [];
  // Whether a sentence already says what to change: then `setup:` is the other way.
  let advised = true;
  switch (cause) {
    case 'package_manager_unavailable':
      sentences.push(
        pm?.pinned
          ? `Likely cause: package.json's packageManager pins ${pm.spec}, which the registry does not have${said}. Pin a version that exists.`
          : `Likely cause: the registry does not have ${pm?.spec ?? 'the package manager'}${said}. Pin one it has with package.json's packageManager.`,
      );
      break;
    case 'lockfile_outdated': {
      const version =
        pm && !pm.pinned && pm.npmPackage !== null
          ? ` or ${pm.name} is another version than the one that wrote it (pin it with package.json's packageManager)`
          : '';
      sentences.push(
        `Likely cause: the lockfile is out of date with package.json${version}${said}. Commit the lockfile the install writes.`,
      );
      break;
    }
    case 'node_version':
      sentences.push(
        `Likely cause: the repository or its package manager needs another Node than the sandbox's${said}.${mismatch || sandboxNode}`,
      );
      advised = false;
      break;
    case 'out_of_memory':
      sentences.push(
        `Likely cause: the command ran out of memory${said || (input.exitCode === 137 || input.signal === 'SIGKILL' ? ' (it was killed: exit 137, SIGKILL)' : '')}. Raise \`limits.memory\` in ${REPO_CONFIG_PATH}.`,
      );
      break;
    case 'out_of_disk':
      sentences.push(
        `Likely cause: the sandbox ran out of disk space${said}. Package managers keep their caches in /tmp (the sandbox's HOME): raise \`limits.tmp\` in ${REPO_CONFIG_PATH}; the workspace's own quota is drydock's \`--disk\` (DRYDOCK_DISK).`,
      );
      break;
    case 'network':
      sentences.push(
        `Likely cause: the network: ${hosts ? `setup reached for ${hosts}, which the sandbox may not reach` : 'a host could not be reached'}${said}. Allow the hosts setup needs under \`network.setup\` in ${REPO_CONFIG_PATH}.`,
      );
      break;
    case 'package_unavailable':
      sentences.push(
        `Likely cause: the registry does not have (or does not give drydock) a package the repository needs${said}. A private registry needs its host under \`network.setup\` and its token under \`secrets.setup\` in ${REPO_CONFIG_PATH}.`,
      );
      break;
    case 'unknown':
      sentences.push(
        `drydock does not recognise the cause in its output: the command failed${input.exitCode === null ? '' : ` with exit code ${input.exitCode}`}.${mismatch}`,
      );
      advised = false;
      break;
  }
  const verb = input.source === 'config' ? 'change' : 'set';
  const override = `${verb} \`setup:\` in ${REPO_CONFIG_PATH} to the commands that install this repository (docs/environments.md).`;
  sentences.push(advised ? `Or ${override}` : capitalize(override));
  return sentences.join(' ');
}

/** The first line of `text` one of `patterns` matches, trimmed of the package manager's decoration. */
function lineMatching(text: string, patterns: readonly RegExp[]): { evidence: string } | null {
  for (const pattern of patterns) {
    for (const line of text.split('\n')) {
      if (pattern.test(line)) return { evidence: line.replace(/^[\s➤│·]+/, '').trim() };
    }
  }
  return null;
}

function quote(line: string): string {
  return `"${truncateText(line, 200)}"`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
