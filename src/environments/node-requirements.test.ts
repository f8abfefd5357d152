import { describe, expect, it } from 'vitest';
import {
  collectNodeRequirements,
  describeNodeMismatch,
  type NodeRequirement,
  nodeMismatches,
} from './node-requirements.ts';

describe('collectNodeRequirements', () => {
  it.each<[string, Parameters<typeof collectNodeRequirements>[0], NodeRequirement[]]>([
    [
      'engines.node, as a range',
      { packageJson: { engines: { node: '>=22' } } },
      [{ source: 'package.json engines.node', requirement: '>=22', range: '>=22' }],
    ],
    [
      'engines.node with alternatives',
      { packageJson: { engines: { node: '^20.11 || >=22' } } },
      [{ source: 'package.json engines.node', requirement: '^20.11 || >=22', range: '^20.11 || >=22' }],
    ],
    [
      'engines.node drydock cannot read: reported as written, not checked',
      { packageJson: { engines: { node: 'the latest, please' } } },
      [{ source: 'package.json engines.node', requirement: 'the latest, please', range: null }],
    ],
    ['engines without node', { packageJson: { engines: { npm: '>=10' } } }, []],
    ['engines that is not an object', { packageJson: { engines: '>=22' } }, []],
    ['engines.node that is not a string', { packageJson: { engines: { node: 22 } } }, []],
    [
      '.nvmrc with a full version: its major line',
      { texts: { '.nvmrc': 'v20.11.1\n' } },
      [{ source: '.nvmrc', requirement: 'v20.11.1', range: '20.x' }],
    ],
    [
      '.nvmrc with a major',
      { texts: { '.nvmrc': '22' } },
      [{ source: '.nvmrc', requirement: '22', range: '22.x' }],
    ],
    [
      '.nvmrc with a comment before the version',
      { texts: { '.nvmrc': '# the version CI uses\n18.20 # hydrogen\n' } },
      [{ source: '.nvmrc', requirement: '18.20', range: '18.x' }],
    ],
    [
      '.nvmrc naming an LTS line',
      { texts: { '.nvmrc': 'lts/Iron\n' } },
      [{ source: '.nvmrc', requirement: 'lts/Iron', range: '20.x' }],
    ],
    [
      '.nvmrc with lts/*: moves with time, reported, not checked',
      { texts: { '.nvmrc': 'lts/*\n' } },
      [{ source: '.nvmrc', requirement: 'lts/*', range: null }],
    ],
    [
      '.nvmrc with an LTS codename drydock does not know yet',
      { texts: { '.nvmrc': 'lts/zebra\n' } },
      [{ source: '.nvmrc', requirement: 'lts/zebra', range: null }],
    ],
    [
      '.nvmrc with node',
      { texts: { '.nvmrc': 'node\n' } },
      [{ source: '.nvmrc', requirement: 'node', range: null }],
    ],
    [
      '.nvmrc with stable',
      { texts: { '.nvmrc': 'stable' } },
      [{ source: '.nvmrc', requirement: 'stable', range: null }],
    ],
    ['an empty .nvmrc', { texts: { '.nvmrc': '\n\n' } }, []],
    [
      '.node-version with a range',
      { texts: { '.node-version': '>=20\n' } },
      [{ source: '.node-version', requirement: '>=20', range: '>=20' }],
    ],
    [
      'all three, in order',
      {
        packageJson: { engines: { node: '>=20' } },
        texts: { '.node-version': '22.4.0\n', '.nvmrc': 'v22\n' },
      },
      [
        { source: 'package.json engines.node', requirement: '>=20', range: '>=20' },
        { source: '.nvmrc', requirement: 'v22', range: '22.x' },
        { source: '.node-version', requirement: '22.4.0', range: '22.x' },
      ],
    ],
  ])('%s', (_name, input, expected) => {
    expect(collectNodeRequirements(input)).toEqual(expected);
  });
});

describe('nodeMismatches', () => {
  const engines = (range: string): NodeRequirement => ({
    source: 'package.json engines.node',
    requirement: range,
    range,
  });

  it.each<[string, string, NodeRequirement[], string[]]>([
    ['a newer Node than the sandbox has', 'v20.20.2', [engines('>=22')], ['>=22']],
    ['a Node the sandbox has', 'v22.23.3', [engines('>=22')], []],
    ['alternatives, one satisfied', 'v20.20.2', [engines('^20.11 || >=22')], []],
    [
      'a major line, satisfied by any release of it',
      'v20.20.2',
      [{ source: '.nvmrc', requirement: 'v20.1.0', range: '20.x' }],
      [],
    ],
    [
      'a major line the sandbox is not on',
      'v20.20.2',
      [{ source: '.nvmrc', requirement: '22', range: '22.x' }],
      ['22'],
    ],
    [
      'requirements drydock cannot check are never mismatches',
      'v20.20.2',
      [{ source: '.nvmrc', requirement: 'node', range: null }],
      [],
    ],
    ['a prerelease Node counts as its version', 'v23.0.0-nightly20240801', [engines('>=22')], []],
    ['no Node at all in the sandbox mismatches every checkable requirement', '', [engines('>=18')], ['>=18']],
  ])('%s', (_name, version, requirements, expected) => {
    expect(nodeMismatches(version, requirements).map((each) => each.requirement)).toEqual(expected);
  });

  it('says which Node the sandbox has and what the repository asks, and where', () => {
    expect(describeNodeMismatch('v20.20.2\n', [engines('>=22')])).toBe(
      "the sandbox's Node is v20.20.2; the repository asks for >=22 (package.json engines.node)",
    );
    expect(describeNodeMismatch('', [engines('>=18')])).toBe(
      'the sandbox has no node on its PATH; the repository asks for >=18 (package.json engines.node)',
    );
  });
});
