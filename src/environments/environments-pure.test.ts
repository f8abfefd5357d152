import { describe, expect, it } from 'vitest';
import type { EnvironmentImage } from '../core/ports/store.ts';
import { DEFAULT_SETUP_HOSTS, planEnvironment, setupInputsHash } from './environment-plan.ts';
import { decideRebuild, type RebuildInput } from './rebuild-policy.ts';
import { createRedactor, redactJson } from './redactor.ts';
import { parseRepoConfig } from './repo-config.ts';

describe('planEnvironment', () => {
  it.each([
    [
      'a package-lock.json means npm ci, keyed by the lockfile and package.json',
      ['package.json', 'package-lock.json', 'src/a.js'],
      {
        setup: ['npm ci --no-audit --no-fund'],
        inputs: ['package.json', 'package-lock.json'],
        source: 'detected',
      },
    ],
    [
      'a package.json with dependencies and no lockfile means npm install',
      ['package.json'],
      { setup: ['npm install --no-audit --no-fund'], inputs: ['package.json'], source: 'detected' },
    ],
    ['nothing to install means no setup', ['README.md'], { setup: [], inputs: [], source: 'none' }],
  ])('%s', (_name, files, expected) => {
    const plan = planEnvironment({
      config: null,
      files,
      packageJson: files.includes('package.json') ? { dependencies: { 'is-number': '7.0.0' } } : null,
    });
    expect(plan).toMatchObject(expected);
    expect(plan.network.setup).toEqual(DEFAULT_SETUP_HOSTS);
    expect(plan.network.agent).toEqual([]);
    expect(plan.secrets).toEqual({ setup: 'all', start: [], agent: [] });
  });

  it('lets the config override detection and keys the image by the config file too', () => {
    const config = parseRepoConfig('setup: ./setup.sh\ninputs: [setup.sh]\nsecrets:\n  setup: [A]\n');
    const plan = planEnvironment({ config, files: ['package-lock.json', 'setup.sh'] });
    expect(plan).toMatchObject({
      source: 'config',
      setup: ['./setup.sh'],
      inputs: ['.drydock/config.yaml', 'setup.sh'],
      secrets: { setup: ['A'], start: [], agent: [] },
    });
  });

  it('uses detected setup under a config that does not name one', () => {
    const config = parseRepoConfig('checks:\n  test: npm test\n');
    const plan = planEnvironment({ config, files: ['package-lock.json'] });
    expect(plan.setup).toEqual(['npm ci --no-audit --no-fund']);
    expect(plan.inputs).toEqual(['.drydock/config.yaml', 'package-lock.json']);
    expect(plan.description).toMatch(/setup detected/);
  });
});

describe('setupInputsHash', () => {
  const plan = planEnvironment({ config: null, files: ['package.json', 'package-lock.json'] });
  const files = (lock: string) =>
    new Map<string, Buffer | null>([
      ['package.json', Buffer.from('{}')],
      ['package-lock.json', Buffer.from(lock)],
    ]);

  it('changes when a lockfile changes and only then', () => {
    expect(setupInputsHash(plan, files('v1'))).toBe(setupInputsHash(plan, files('v1')));
    expect(setupInputsHash(plan, files('v1'))).not.toBe(setupInputsHash(plan, files('v2')));
  });

  it('changes when the setup commands change', () => {
    expect(setupInputsHash({ ...plan, setup: ['npm install'] }, files('v1'))).not.toBe(
      setupInputsHash(plan, files('v1')),
    );
  });
});

describe('decideRebuild', () => {
  const now = Date.parse('2026-11-23T12:00:00Z');
  const image = (overrides: Partial<EnvironmentImage> = {}): EnvironmentImage => ({
    id: 'env-1',
    repo: '/r',
    inputsHash: 'h1',
    runtimeVersion: 'rt1',
    commit: 'c',
    layers: ['a', 'b'],
    setup: ['npm ci'],
    setupMs: 10,
    createdAt: '2026-11-23T10:00:00Z',
    ...overrides,
  });
  const base: RebuildInput = {
    match: image(),
    latest: image(),
    inputsHash: 'h1',
    runtimeVersion: 'rt1',
    nowMs: now,
    maxAgeMs: 24 * 3_600_000,
    layersPresent: true,
  };

  it.each<[string, Partial<RebuildInput>, string, RegExp]>([
    ['a current image is reused', {}, 'reuse', /is current \(2 h old\)/],
    ['no image at all', { match: null, latest: null }, 'build', /no image yet/],
    ['inputs changed', { match: null, latest: image({ inputsHash: 'h0' }) }, 'build', /setup inputs changed/],
    [
      'runtime changed',
      { match: null, latest: image({ runtimeVersion: 'rt0' }) },
      'build',
      /runtime changed/,
    ],
    [
      'older than the maximum age',
      { match: image({ createdAt: '2026-11-21T12:00:00Z' }) },
      'build',
      /2 days old, older than the maximum of 24 h/,
    ],
    ['layers gone', { layersPresent: false }, 'build', /layers are gone/],
    ['forced', { force: true }, 'build', /asked for/],
  ])('%s', (_name, overrides, action, reason) => {
    const decision = decideRebuild({ ...base, ...overrides });
    expect(decision.action).toBe(action);
    expect(decision.reason).toMatch(reason);
  });
});

describe('redaction', () => {
  it('reaches every string of a JSON value', () => {
    const redact = createRedactor([{ name: 'S', value: 's3cr3t' }]);
    expect(redactJson({ a: ['x s3cr3t y', 1, null], s3cr3t: { b: 's3cr3t' } }, redact)).toEqual({
      a: ['x [secret S] y', 1, null],
      '[secret S]': { b: '[secret S]' },
    });
  });
});
