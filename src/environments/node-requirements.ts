import semver from 'semver';

/** One place a repository says which Node it needs. */
export interface NodeRequirement {
  /** Where it was found: `package.json engines.node`, `.nvmrc`, `.node-version`. */
  source: string;
  /** As the repository wrote it (`>=22`, `lts/iron`, `v20.11.1`). */
  requirement: string;
  /**
   * The semver range drydock compares the sandbox's Node with, or null when the requirement names
   * no fixed line (`node`, `lts/*`, an alias drydock does not know): those are reported, not checked.
   */
  range: string | null;
}

/** Files a Node requirement may come from besides package.json, read at the commit. */
export const NODE_VERSION_FILES = ['.nvmrc', '.node-version'] as const;

/** nvm's LTS codenames and the major each names (`lts/iron` is Node 20). */
const LTS_CODENAMES: Readonly<Record<string, number>> = {
  argon: 4,
  boron: 6,
  carbon: 8,
  dubnium: 10,
  erbium: 12,
  fermium: 14,
  gallium: 16,
  hydrogen: 18,
  iron: 20,
  jod: 22,
  krypton: 24,
};

/**
 * The repository's Node requirements: `engines.node` from package.json, then `.nvmrc` and
 * `.node-version` (their first line, comments dropped). Never throws: what drydock cannot read as a
 * version or range is still reported, with `range: null`. Pure.
 */
export function collectNodeRequirements(input: {
  packageJson?: { engines?: unknown } | null;
  texts?: Readonly<Record<string, string>>;
}): NodeRequirement[] {
  const requirements: NodeRequirement[] = [];
  const engines = input.packageJson?.engines;
  const enginesNode =
    engines !== null && typeof engines === 'object' ? (engines as Record<string, unknown>).node : undefined;
  if (typeof enginesNode === 'string' && enginesNode.trim() !== '') {
    const requirement = enginesNode.trim();
    requirements.push({
      source: 'package.json engines.node',
      requirement,
      range: semver.validRange(requirement, { loose: true }) === null ? null : requirement,
    });
  }
  for (const file of NODE_VERSION_FILES) {
    const text = input.texts?.[file];
    if (text === undefined) continue;
    const requirement = firstValue(text);
    if (requirement === null) continue;
    requirements.push({ source: file, requirement, range: versionFileRange(requirement) });
  }
  return requirements;
}

/**
 * The requirements `version` (`node --version` output, `v20.20.2`) does not satisfy. Requirements
 * without a range are never mismatches: drydock cannot tell. An unreadable version matches nothing
 * it could check. Pure.
 */
export function nodeMismatches(version: string, requirements: readonly NodeRequirement[]): NodeRequirement[] {
  const actual = semver.coerce(version.trim(), { includePrerelease: true });
  return requirements.filter((each) => {
    if (each.range === null) return false;
    if (actual === null) return true;
    return !semver.satisfies(actual, each.range, { includePrerelease: true, loose: true });
  });
}

/**
 * A mismatch for people: `the sandbox's Node is v20.20.2; the repository asks for >=22 (package.json
 * engines.node)`. An empty version: the sandbox has no `node`.
 */
export function describeNodeMismatch(version: string, mismatches: readonly NodeRequirement[]): string {
  const asks = mismatches.map((each) => `${each.requirement} (${each.source})`).join(' and ');
  const has =
    version.trim() === '' ? 'the sandbox has no node on its PATH' : `the sandbox's Node is ${version.trim()}`;
  return `${has}; the repository asks for ${asks}`;
}

/** The first line with something on it, without a trailing comment (`.nvmrc` allows `# …`). */
function firstValue(text: string): string | null {
  for (const line of text.split(/\r?\n/)) {
    const value = line.replace(/#.*$/, '').trim();
    if (value !== '') return value;
  }
  return null;
}

/**
 * What a `.nvmrc` or `.node-version` value means as a range. A full version there is the version the
 * repository is developed on, not a demand for that patch release: drydock compares its major line
 * (`20.11.1` → `20.x`), which is what breaks builds. `lts/<codename>` is its major line; `node`,
 * `lts/*` and other aliases move with time and are not checked. Not `loose`: a word such as `node`
 * or `stable` must not pass for a range.
 */
function versionFileRange(value: string): string | null {
  const lts = /^lts\/([a-z]+)$/i.exec(value);
  if (lts) {
    const major = LTS_CODENAMES[lts[1]!.toLowerCase()];
    return major === undefined ? null : `${major}.x`;
  }
  const version = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/i.exec(value);
  if (version) return `${version[1]}.x`;
  // Some version managers take a range there (`>=20`); compared as written.
  return semver.validRange(value) === null ? null : value;
}
