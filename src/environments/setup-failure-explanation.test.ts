/**
 * explainSetupFailure on real output. Each fixture in fixtures/setup-failures is what the real tool
 * printed (Node 20.20.2, npm 11.19.1), made with a deliberately broken repository:
 * - `*-lockfile-*`, `*-outdated-*`: a dependency added to package.json after the lockfile was written,
 *   then the frozen install (`npm ci`, `pnpm install --frozen-lockfile` with pnpm 9.15.9, 10.34.9 and
 *   12.24.0, `yarn install --frozen-lockfile` with 1.22.22, `yarn install --immutable` with
 *   @yarnpkg/cli-dist 4.18.1, `bun install --frozen-lockfile` with 1.4.5); yarn4-on-yarn3-lockfile is
 *   yarn 4.18.1 on a lockfile yarn 3.8.7 wrote, unchanged package.json;
 * - `*-engine*`: `engines.node: ">=22"` with npm_config_engine_strict=true; pnpm11-on-node20 is
 *   `npx pnpm@11.29.0 install` (pnpm 11 needs Node 22.13);
 * - `npx-*`: `npx --yes pnpm@0.0.999 …`, `npx --yes -p @yarnpkg/cli-dist@9.9.9 …`, a package that does not exist;
 * - `*-through-proxy`: in a drydock sandbox, fetching from a host the egress proxy refuses;
 * - node-heap-out-of-memory: node with --max-old-space-size=16; npm-enospc: `npm ci` with its cache on a 16k tmpfs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  explainSetupFailure,
  type SetupFailureCause,
  type SetupFailureInput,
} from './setup-failure-explanation.ts';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, 'fixtures', 'setup-failures', `${name}.txt`), 'utf8');

const pnpm = (spec: string, pinned = true) => ({ name: 'pnpm', spec, npmPackage: 'pnpm', pinned });
const base: SetupFailureInput = {
  output: '',
  exitCode: 1,
  blockedHosts: [],
  packageManager: null,
  nodeMismatch: null,
  source: 'detected',
};
const OVERRIDE =
  'set `setup:` in .drydock/config.yaml to the commands that install this repository (docs/environments.md).';

describe('explainSetupFailure', () => {
  it.each<[string, Partial<SetupFailureInput>, SetupFailureCause, RegExp[]]>([
    [
      'npm ci on a lockfile out of sync, the line far above the tail of usage text',
      { output: fixture('npm-ci-lockfile-out-of-sync') },
      'lockfile_outdated',
      [
        /the lockfile is out of date with package\.json/,
        /"npm error `npm ci` can only install packages when/,
      ],
    ],
    [
      'pnpm 10, outdated lockfile',
      { output: fixture('pnpm10-outdated-lockfile'), packageManager: pnpm('pnpm@10.34.9') },
      'lockfile_outdated',
      [/"ERR_PNPM_OUTDATED_LOCKFILE\u2009 Cannot install with "frozen-lockfile"/, /Commit the lockfile/],
    ],
    [
      'pnpm 9 from the lockfile (not pinned): maybe another pnpm wrote it',
      { output: fixture('pnpm9-outdated-lockfile'), packageManager: pnpm('pnpm@9', false) },
      'lockfile_outdated',
      [
        /or pnpm is another version than the one that wrote it \(pin it with package\.json's packageManager\)/,
      ],
    ],
    [
      'pnpm 12, outdated lockfile',
      { output: fixture('pnpm12-outdated-lockfile'), packageManager: pnpm('pnpm@12.24.0') },
      'lockfile_outdated',
      [/"Error: ERR_PNPM_OUTDATED_LOCKFILE"/],
    ],
    [
      'yarn 1, lockfile needs updating',
      { output: fixture('yarn1-lockfile-needs-update') },
      'lockfile_outdated',
      [/"error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`\."/],
    ],
    [
      'yarn 4, lockfile would be modified',
      { output: fixture('yarn4-lockfile-would-be-modified') },
      'lockfile_outdated',
      [/"YN0028: │ The lockfile would have been modified by this install, which is explicitly forbidden\."/],
    ],
    [
      'yarn 4 on a yarn 3 lockfile, yarn chosen from the lockfile: says the version may be why',
      {
        output: fixture('yarn4-on-yarn3-lockfile'),
        packageManager: {
          name: 'yarn',
          flavour: 'berry',
          spec: '@yarnpkg/cli-dist@4',
          npmPackage: '@yarnpkg/cli-dist',
          pinned: false,
        },
      },
      'lockfile_outdated',
      [/or yarn is another version than the one that wrote it/],
    ],
    [
      'bun, frozen lockfile had changes',
      { output: fixture('bun-lockfile-frozen') },
      'lockfile_outdated',
      [/"error: lockfile had changes, but lockfile is frozen"/],
    ],
    [
      'npm with engine-strict: the mismatch found before setup is named',
      {
        output: fixture('npm-engine-strict'),
        nodeMismatch:
          "the sandbox's Node is v20.20.2; the repository asks for >=22 (package.json engines.node)",
      },
      'node_version',
      [
        /needs another Node than the sandbox's \("npm error code EBADENGINE"\)/,
        /The sandbox's Node is v20\.20\.2; the repository asks for >=22 \(package\.json engines\.node\)\./,
      ],
    ],
    [
      'pnpm with engine-strict',
      { output: fixture('pnpm10-engine-strict'), packageManager: pnpm('pnpm@10.34.9') },
      'node_version',
      [/ERR_PNPM_UNSUPPORTED_ENGINE/],
    ],
    [
      'yarn 1 and the root engines',
      { output: fixture('yarn1-engine') },
      'node_version',
      [/The engine "node" is incompatible with this module\. Expected version ">=22"\. Got "20\.20\.2"/],
    ],
    [
      'pnpm 11 on Node 20: the package manager itself needs a newer Node',
      {
        output: fixture('pnpm11-on-node20'),
        packageManager: pnpm('pnpm@11.29.0'),
        nodeVersion: 'v20.20.2\n',
      },
      'node_version',
      [
        /\("warn: This version of pnpm requires at least Node\.js v22\.13"\)\. The sandbox's Node is v20\.20\.2\./,
      ],
    ],
    [
      'a pinned pnpm the registry does not have',
      { output: fixture('npx-pnpm-etarget'), packageManager: pnpm('pnpm@0.0.999') },
      'package_manager_unavailable',
      [
        /package\.json's packageManager pins pnpm@0\.0\.999, which the registry does not have/,
        /"npm error notarget No matching version found for pnpm@0\.0\.999\."/,
      ],
    ],
    [
      'a pinned yarn 2+ the registry does not have',
      {
        output: fixture('npx-yarn-cli-dist-etarget'),
        packageManager: {
          name: 'yarn',
          flavour: 'berry',
          spec: '@yarnpkg/cli-dist@9.9.9',
          npmPackage: '@yarnpkg/cli-dist',
          pinned: true,
        },
      },
      'package_manager_unavailable',
      [/pins @yarnpkg\/cli-dist@9\.9\.9, which the registry does not have/],
    ],
    [
      'a package missing from the registry that is not the package manager',
      { output: fixture('npx-e404'), packageManager: pnpm('pnpm@10.34.9') },
      'package_unavailable',
      [/"npm error code E404"/, /`network\.setup`/, /`secrets\.setup`/],
    ],
    [
      'npm refused by the egress proxy',
      { output: fixture('npm-e403-through-proxy'), blockedHosts: ['example.org:443'] },
      'network',
      [/setup reached for example\.org:443, which the sandbox may not reach/, /`network\.setup`/],
    ],
    [
      'pnpm refused by the egress proxy',
      { output: fixture('pnpm10-fetch-403-through-proxy'), blockedHosts: ['example.org:443'] },
      'network',
      [/ERR_PNPM_FETCH_403/],
    ],
    [
      'yarn 1 refused by the egress proxy',
      { output: fixture('yarn1-blocked-through-proxy'), blockedHosts: ['example.org:443'] },
      'network',
      [/tunneling socket could not be established, statusCode=403/],
    ],
    [
      'yarn 4 refused by the egress proxy',
      { output: fixture('yarn4-blocked-through-proxy'), blockedHosts: ['example.org:443'] },
      'network',
      [/"YN0001: │ RequestError: Bad response: 403"/],
    ],
    [
      'a name that does not resolve, nothing refused by the proxy',
      { output: '➤ YN0001: │ RequestError: getaddrinfo EAI_AGAIN registry.yarnpkg.com\n' },
      'network',
      [/a host could not be reached/, /EAI_AGAIN/],
    ],
    [
      'Node out of heap',
      { output: fixture('node-heap-out-of-memory'), exitCode: 134 },
      'out_of_memory',
      [/JavaScript heap out of memory/, /`limits\.memory`/],
    ],
    [
      'killed with nothing said: the memory limit',
      { output: 'Progress: resolved 812, reused 0, downloaded 340, added 0\n', exitCode: 137 },
      'out_of_memory',
      [/it was killed: exit 137/, /`limits\.memory`/],
    ],
    [
      'out of disk',
      { output: fixture('npm-enospc') },
      'out_of_disk',
      [/"npm warn tar TAR_ENTRY_ERROR ENOSPC: no space left on device, write"/, /`limits\.tmp`/],
    ],
    [
      'nothing recognisable: says so plainly, with the Node mismatch in case',
      {
        output: 'about to fail\n',
        exitCode: 3,
        nodeMismatch: "the sandbox's Node is v20.20.2; the repository asks for 22.x (.nvmrc)",
      },
      'unknown',
      [/the command failed with exit code 3\. The sandbox's Node is v20\.20\.2/, /\. Set `setup:` in/],
    ],
  ])('%s', (_name, overrides, cause, texts) => {
    const explained = explainSetupFailure({ ...base, ...overrides });
    expect(explained.cause).toBe(cause);
    for (const text of texts) expect(explained.text).toMatch(text);
    expect(explained.text.toLowerCase().endsWith(OVERRIDE.toLowerCase())).toBe(true);
  });

  it('tells a repository with a config to change its setup, not to add one', () => {
    const explained = explainSetupFailure({ ...base, output: fixture('npm-enospc'), source: 'config' });
    expect(explained.text).toMatch(/Or change `setup:` in \.drydock\/config\.yaml to the commands/);
  });
});
