import { describe, expect, it } from 'vitest';
import { allowHostRules, sandboxChoice } from './sandbox-flags.ts';
import { workspaceChoice } from './workspace-choice.ts';

describe('sandboxChoice', () => {
  it('defaults to bubblewrap, takes the flag over the environment, and rejects anything else', () => {
    expect(sandboxChoice(undefined, {})).toBe('bubblewrap');
    expect(sandboxChoice(undefined, { DRYDOCK_SANDBOX: 'none' })).toBe('none');
    expect(sandboxChoice('bubblewrap', { DRYDOCK_SANDBOX: 'none' })).toBe('bubblewrap');
    expect(() => sandboxChoice('docker', {})).toThrow('Unknown sandbox "docker"');
  });
});

describe('allowHostRules', () => {
  it.each([
    ['registry.npmjs.org', { host: 'registry.npmjs.org' }],
    ['Example.org:8443', { host: 'example.org', port: 8443 }],
    ['*.debian.org', { host: '*.debian.org' }],
    ['127.0.0.1:3000', { host: '127.0.0.1', port: 3000 }],
  ])('%s', (value, rule) => {
    expect(allowHostRules([value])).toEqual([rule]);
  });

  it.each(['http://example.org', 'example.org:0', 'example.org:99999', 'a b', ''])('rejects %s', (value) => {
    expect(() => allowHostRules([value])).toThrow('--allow-host');
  });
});

describe('workspaceChoice', () => {
  it.each([
    [undefined, 'layers'],
    ['', 'layers'],
    ['layers', 'layers'],
    [' clone ', 'clone'],
  ])('reads DRYDOCK_WORKSPACES=%j as %s', (value, expected) => {
    expect(workspaceChoice(value === undefined ? {} : { DRYDOCK_WORKSPACES: value })).toBe(expected);
  });

  it('refuses anything else, naming both kinds', () => {
    expect(() => workspaceChoice({ DRYDOCK_WORKSPACES: 'overlay' })).toThrow(/use layers .* or clone/);
  });
});
