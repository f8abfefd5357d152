import semver from 'semver';

/** The package managers drydock can install a repository with. */
export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** Lockfiles drydock knows, first match wins, and the package manager that writes each. */
export const LOCKFILES: ReadonlyArray<{ file: string; manager: PackageManagerName }> = [
  { file: 'package-lock.json', manager: 'npm' },
  { file: 'npm-shrinkwrap.json', manager: 'npm' },
  { file: 'pnpm-lock.yaml', manager: 'pnpm' },
  { file: 'yarn.lock', manager: 'yarn' },
  { file: 'bun.lock', manager: 'bun' },
  { file: 'bun.lockb', manager: 'bun' },
];

/** Small files detection reads besides package.json (the lockfiles only their first lines). */
export const PACKAGE_MANAGER_FILES = ['.yarnrc.yml', 'pnpm-lock.yaml', 'yarn.lock'] as const;

/** package.json's `packageManager` field, read (corepack's `name@version[+sha512.<hex>]`). */
export type PackageManagerField =
  | { kind: 'absent' }
  /** `text` is the pin without its hash (`pnpm@10.12.1`). */
  | { kind: 'pinned'; name: PackageManagerName; version: string; text: string }
  | { kind: 'unusable'; text: string; why: string };

/** The package manager a plan's setup runs, for people and for explaining its failures. */
export interface PlannedPackageManager {
  name: PackageManagerName;
  /** `classic` is yarn 1, `berry` yarn 2 and later. */
  flavour?: 'classic' | 'berry';
  /** What it runs, as the registry knows it (`pnpm@10.12.1`, `@yarnpkg/cli-dist@4.9.1`, `npm`). */
  spec: string;
  /** The npm package that `spec` fetches, null when nothing is fetched (the sandbox's npm, a yarnPath). */
  npmPackage: string | null;
  /** Whether the version comes from package.json's packageManager (else from the lockfile, or none). */
  pinned: boolean;
}

export interface DetectedInstall {
  setup: string[];
  /** Repository files that, with the commands, key the image. */
  inputs: string[];
  /** For people: what was found and what it means (`package.json packageManager pnpm@10.12.1 + pnpm-lock.yaml → …`). */
  description: string;
  packageManager: PlannedPackageManager | null;
}

export interface InstallInput {
  files: readonly string[];
  packageJson?: { dependencies?: object; devDependencies?: object; packageManager?: unknown } | null;
  /** Texts of PACKAGE_MANAGER_FILES present at the commit (the lockfiles' heads are enough). */
  texts?: Readonly<Record<string, string>>;
}

const NAMES: readonly PackageManagerName[] = ['npm', 'pnpm', 'yarn', 'bun'];
/** A version or a range simple enough to put into a shell command as it is. */
const PLAIN_VERSION = /^[~^]?[0-9][0-9A-Za-z.+-]*$/;

/** Reads package.json's `packageManager`. Pure; never throws. */
export function parsePackageManagerField(value: unknown): PackageManagerField {
  if (value === undefined || value === null) return { kind: 'absent' };
  if (typeof value !== 'string') return { kind: 'unusable', text: String(value), why: 'it is not a string' };
  const text = value.trim().replace(/\+[^@]*$/, '');
  const at = text.lastIndexOf('@');
  if (at <= 0) return { kind: 'unusable', text, why: 'it is not name@version' };
  const name = text.slice(0, at);
  const version = text.slice(at + 1);
  if (!NAMES.includes(name as PackageManagerName)) {
    return { kind: 'unusable', text, why: `drydock installs with ${NAMES.join(', ')}, not ${name}` };
  }
  if (!PLAIN_VERSION.test(version) || semver.validRange(version) === null) {
    return { kind: 'unusable', text, why: `"${version}" is not a version` };
  }
  return { kind: 'pinned', name: name as PackageManagerName, version, text };
}

/**
 * How the repository's dependencies are installed, from package.json's `packageManager` (that package
 * manager at that version, with its own lockfile frozen) or, without one, from the lockfile: the
 * package manager that writes it, at the major its format says. A package.json with dependencies and
 * no lockfile means an install that writes one. Pure.
 */
export function detectInstall(input: InstallInput): DetectedInstall {
  const has = (file: string) => input.files.includes(file);
  const field = parsePackageManagerField(input.packageJson?.packageManager);
  const lock = LOCKFILES.find((each) => has(each.file)) ?? null;
  const hasDependencies =
    Object.keys(input.packageJson?.dependencies ?? {}).length +
      Object.keys(input.packageJson?.devDependencies ?? {}).length >
    0;
  const fieldNote =
    field.kind === 'unusable' ? `package.json packageManager "${field.text}" ignored (${field.why}); ` : '';

  if (field.kind === 'pinned' && has('package.json')) {
    const own = LOCKFILES.find((each) => each.manager === field.name && has(each.file)) ?? null;
    if (!own && !lock && !hasDependencies) return nothing();
    const install = installWith(field.name, field.version, true, own?.file ?? null, input);
    const found = own
      ? ` + ${own.file}`
      : lock
        ? `, followed though the repository has ${lock.file} and no ${lockfileNames(field.name)}`
        : ', no lockfile';
    return {
      setup: [install.command],
      inputs: ['package.json', ...(own ? [own.file] : []), ...install.inputs],
      description: `package.json packageManager ${field.text}${found}${install.note} → ${install.command}`,
      packageManager: install.manager,
    };
  }
  if (lock) {
    const install = installWith(lock.manager, null, false, lock.file, input);
    return {
      setup: [install.command],
      inputs: ['package.json', lock.file, ...install.inputs].filter((file) => has(file)),
      description: `${fieldNote}${lock.file}${install.note} → ${install.command}`,
      packageManager: install.manager,
    };
  }
  if (has('package.json') && hasDependencies) {
    const command = 'npm install --no-audit --no-fund';
    return {
      setup: [command],
      inputs: ['package.json'],
      description: `${fieldNote}package.json with dependencies and no lockfile → npm install`,
      packageManager: { name: 'npm', spec: 'npm', npmPackage: null, pinned: false },
    };
  }
  return nothing();
}

function nothing(): DetectedInstall {
  return { setup: [], inputs: [], description: '', packageManager: null };
}

function lockfileNames(name: PackageManagerName): string {
  return LOCKFILES.filter((each) => each.manager === name)
    .map((each) => each.file)
    .join(' or ');
}

interface Install {
  command: string;
  /** Files besides package.json and the lockfile that key the image (`.yarnrc.yml`, a yarnPath). */
  inputs: string[];
  /** What the lockfile or config told, for the description (` (lockfileVersion 9.0 → pnpm 9)`). */
  note: string;
  manager: PlannedPackageManager;
}

/**
 * The install command of one package manager: at `version` when the repository pins one (`pinned`),
 * else at what the lockfile says; frozen when there is a lockfile of its own.
 */
function installWith(
  name: PackageManagerName,
  version: string | null,
  pinned: boolean,
  lockfile: string | null,
  input: InstallInput,
): Install {
  const frozen = lockfile !== null;
  switch (name) {
    case 'npm': {
      // Without a pin the sandbox's own npm, as before: nothing to fetch.
      const npm = version === null ? 'npm' : `npx --yes npm@${version}`;
      return {
        command: `${npm} ${frozen ? 'ci' : 'install'} --no-audit --no-fund`,
        inputs: [],
        note: '',
        manager: {
          name,
          spec: version === null ? 'npm' : `npm@${version}`,
          npmPackage: version === null ? null : 'npm',
          pinned,
        },
      };
    }
    case 'pnpm': {
      const fromLockfile = version === null ? pnpmMajorOfLockfile(input.texts?.['pnpm-lock.yaml']) : null;
      const chosen = version ?? fromLockfile?.major ?? null;
      const spec = chosen === null ? 'pnpm' : `pnpm@${chosen}`;
      return {
        command: `npx --yes ${spec} install${frozen ? ' --frozen-lockfile' : ''}${pnpmNoSwitch(chosen)}`,
        inputs: [],
        note: version === null ? (fromLockfile?.note ?? '') : '',
        manager: { name, spec, npmPackage: 'pnpm', pinned },
      };
    }
    case 'yarn':
      return installWithYarn(version, pinned, lockfile, input);
    case 'bun': {
      const spec = version === null ? 'bun' : `bun@${version}`;
      return {
        command: `npx --yes ${spec} install${frozen ? ' --frozen-lockfile' : ''}`,
        inputs: [],
        note: '',
        manager: { name, spec, npmPackage: 'bun', pinned },
      };
    }
  }
}

/**
 * pnpm switches itself to the version package.json pins when it runs as another one (pnpm 10 by
 * `manage-package-manager-versions`, pnpm 11 and later by `pmOnFail`), fetching that pnpm on its own:
 * the failure this avoids is `npx pnpm` (the newest) refusing to install a repository pinned to pnpm
 * 10. drydock runs the pinned version already, so the switch is turned off for the install, on pnpm's
 * command line (npm, which runs npx, would warn about an npm_config_ variable it does not know).
 * Checked against the real pnpm with a pin it was not: 10.34.9 stops switching with
 * `--config.manage-package-manager-versions=false`, 11.29.0 and 12.24.0 with `--config.pm-on-fail=ignore`,
 * which 12 also needs to install its own exact pin with a frozen lockfile (else
 * ERR_PNPM_FROZEN_LOCKFILE_WITH_OUTDATED_LOCKFILE, "Cannot update packageManagerDependencies"). pnpm 9
 * and older do not switch. No version (the newest pnpm): as 11 and later.
 */
function pnpmNoSwitch(version: string | null): string {
  const major = version === null ? null : (semver.minVersion(version)?.major ?? null);
  if (major === null || major >= 11) return ' --config.pm-on-fail=ignore';
  if (major === 10) return ' --config.manage-package-manager-versions=false';
  return '';
}

/**
 * The pnpm major that writes a lockfile format: '9.0' is pnpm 9 (pnpm 10 and later write it too and
 * read it the same way), '6.0' pnpm 8, '5.x' pnpm 7 (the oldest that runs on a current Node). Null
 * for a format drydock does not know: then the newest pnpm.
 */
export function pnpmMajorOfLockfile(head: string | undefined): { major: string; note: string } | null {
  const match = head === undefined ? null : /^lockfileVersion:\s*['"]?([0-9.]+)['"]?/m.exec(head);
  if (!match) return null;
  const format = match[1]!;
  const major = format.startsWith('9.')
    ? '9'
    : format.startsWith('6.')
      ? '8'
      : format.startsWith('5.')
        ? '7'
        : null;
  return major === null ? null : { major, note: ` (lockfileVersion ${format} → pnpm ${major})` };
}

/**
 * yarn 1 runs from the `yarn` package; yarn 2 and later are not on the npm registry as `yarn`, and
 * corepack fetches them from repo.yarnpkg.com, which a sandbox does not reach: a repository's own yarn
 * (`.yarnrc.yml` yarnPath, committed) runs with node, else `@yarnpkg/cli-dist`, yarn's published CLI.
 * Its cache stays in the repository (`YARN_ENABLE_GLOBAL_CACHE=false`): yarn's global cache is in the
 * setup sandbox's home, gone when the image is used, and Plug'n'Play installs read their packages from it.
 */
function installWithYarn(
  version: string | null,
  pinned: boolean,
  lockfile: string | null,
  input: InstallInput,
): Install {
  const head = input.texts?.['yarn.lock'];
  const lockKind = lockfile === null ? null : yarnLockfileKind(head);
  const berry = version !== null ? (semver.minVersion(version)?.major ?? 1) >= 2 : lockKind?.berry === true;
  if (!berry) {
    const spec = `yarn@${version ?? '1'}`;
    return {
      command: `npx --yes ${spec} install${lockfile ? ' --frozen-lockfile' : ''}`,
      inputs: [],
      note: version === null && lockKind ? ` (${lockKind.note})` : '',
      manager: { name: 'yarn', flavour: 'classic', spec, npmPackage: 'yarn', pinned },
    };
  }
  const immutable = lockfile ? '--immutable' : '--no-immutable';
  const yarnrc = input.texts?.['.yarnrc.yml'];
  const yarnPath = yarnrc === undefined ? null : yarnPathOf(yarnrc);
  const rcInputs = input.files.includes('.yarnrc.yml') ? ['.yarnrc.yml'] : [];
  const lockNote = version === null && lockKind ? lockKind.note : '';
  if (yarnPath !== null && input.files.includes(yarnPath)) {
    return {
      command: `YARN_ENABLE_GLOBAL_CACHE=false node ${shellWord(yarnPath)} install ${immutable}`,
      inputs: [...rcInputs, yarnPath],
      note: ` (${[lockNote, `.yarnrc.yml yarnPath ${yarnPath}`].filter(Boolean).join('; ')})`,
      manager: { name: 'yarn', flavour: 'berry', spec: yarnPath, npmPackage: null, pinned },
    };
  }
  const chosen = version ?? lockKind?.berryMajor ?? null;
  const spec = chosen === null ? '@yarnpkg/cli-dist' : `@yarnpkg/cli-dist@${chosen}`;
  // A yarnPath the repository does not hold would make yarn exit at once ("ENOENT … stat"): ignore it.
  const ignorePath = yarnPath !== null ? 'YARN_IGNORE_PATH=1 ' : '';
  const notes = [
    lockNote,
    yarnPath !== null ? `.yarnrc.yml yarnPath ${yarnPath} is not in the repository` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return {
    command: `YARN_ENABLE_GLOBAL_CACHE=false ${ignorePath}npx --yes -p ${spec} yarn install ${immutable}`,
    inputs: rcInputs,
    note: notes === '' ? '' : ` (${notes})`,
    manager: { name: 'yarn', flavour: 'berry', spec, npmPackage: '@yarnpkg/cli-dist', pinned },
  };
}

/**
 * What a yarn.lock's head says: `# yarn lockfile v1` is yarn 1; a `__metadata:` block is yarn 2 or
 * later, its `version` the lockfile format (4: yarn 2, 6: yarn 3, 8 and later: yarn 4). A newer yarn
 * rewrites an older format, which an immutable install refuses, so the format picks the major. No
 * head (or neither marker): yarn 1, as before.
 */
export function yarnLockfileKind(
  head: string | undefined,
): { berry: boolean; berryMajor: string | null; note: string } | null {
  if (head === undefined) return null;
  if (/^# yarn lockfile v1\b/m.test(head)) return { berry: false, berryMajor: null, note: 'yarn 1 lockfile' };
  if (!/^__metadata:/m.test(head)) return null;
  const format = /^__metadata:\s*\n(?:[ \t]+.*\n)*?[ \t]+version:\s*['"]?(\d+)/m.exec(head)?.[1];
  const number = format === undefined ? null : Number(format);
  const berryMajor = number === null ? null : number <= 4 ? '2' : number <= 6 ? '3' : '4';
  return {
    berry: true,
    berryMajor,
    note: `yarn 2+ lockfile${format === undefined ? '' : ` version ${format} → yarn ${berryMajor}`}`,
  };
}

/** `.yarnrc.yml`'s `yarnPath`, relative to the repository root (`./` dropped), or null. */
function yarnPathOf(yarnrc: string): string | null {
  const match = /^yarnPath:[ \t]*(.+?)[ \t]*$/m.exec(yarnrc);
  if (!match) return null;
  const path = match[1]!.replace(/^(['"])(.*)\1$/, '$2').replace(/^\.\//, '');
  return path === '' || path.startsWith('/') || path.split('/').includes('..') ? null : path;
}

/** A word for `bash -c`: as it is when plain, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
