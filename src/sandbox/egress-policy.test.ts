import { describe, expect, it } from 'vitest';
import type { EgressRule } from '../core/ports/sandbox.ts';
import {
  type EgressKind,
  isEgressAllowed,
  parseConnectTarget,
  parseHttpTarget,
  resolveEgressRules,
} from './egress-policy.ts';

const rules: EgressRule[] = resolveEgressRules([
  { host: 'registry.npmjs.org' },
  { host: '*.GitHub.com' },
  { host: '127.0.0.1', port: 8080 },
  { host: 'pypi.org', port: 8443 },
  { host: '[::1]', port: 9000 },
]);

describe('isEgressAllowed', () => {
  it.each<[string, number, EgressKind, boolean]>([
    ['registry.npmjs.org', 443, 'connect', true],
    ['registry.npmjs.org', 80, 'http', true],
    ['REGISTRY.npmjs.org.', 443, 'connect', true],
    ['registry.npmjs.org', 80, 'connect', false],
    ['registry.npmjs.org', 443, 'http', false],
    ['registry.npmjs.org', 22, 'connect', false],
    ['npmjs.org', 443, 'connect', false],
    ['evil-registry.npmjs.org', 443, 'connect', false],
    ['api.github.com', 443, 'connect', true],
    ['a.b.github.com', 443, 'connect', true],
    ['github.com', 443, 'connect', false],
    ['notgithub.com', 443, 'connect', false],
    ['github.com.evil.org', 443, 'connect', false],
    ['127.0.0.1', 8080, 'connect', true],
    ['127.0.0.1', 8080, 'http', true],
    ['127.0.0.1', 443, 'connect', false],
    ['127.0.0.2', 8080, 'http', false],
    ['pypi.org', 8443, 'connect', true],
    ['pypi.org', 443, 'connect', false],
    ['[::1]', 9000, 'connect', true],
    ['example.org', 443, 'connect', false],
  ])('%s:%i by %s → %s', (host, port, kind, allowed) => {
    // Targets come normalized from the request parsers.
    const target = parseConnectTarget(`${host}:${port}`);
    expect(target).not.toBeNull();
    expect(isEgressAllowed(rules, target!, kind)).toBe(allowed);
  });

  it('allows nothing with an empty allowlist', () => {
    expect(isEgressAllowed([], { host: 'example.org', port: 443 }, 'connect')).toBe(false);
  });
});

describe('resolveEgressRules', () => {
  it('normalizes hosts and keeps ports', () => {
    expect(resolveEgressRules([{ host: 'Example.ORG.' }, { host: '*.Example.org', port: 8443 }])).toEqual([
      { host: 'example.org' },
      { host: '*.example.org', port: 8443 },
    ]);
  });

  it.each([
    { host: 'https://example.org' },
    { host: 'example.org:443' },
    { host: 'example.org/path' },
    { host: '' },
    { host: '*' },
    { host: '*.*.example.org' },
    { host: 'ex*ample.org' },
    { host: '*.10.0.0.1' },
    { host: 'example.org', port: 0 },
    { host: 'example.org', port: 65_536 },
    { host: 'example.org', port: 44.3 },
  ])('rejects %j', (rule) => {
    expect(() => resolveEgressRules([rule])).toThrow(
      expect.objectContaining({ code: 'invalid_egress_rule' }),
    );
  });
});

describe('parseConnectTarget', () => {
  it.each([
    ['example.org:443', { host: 'example.org', port: 443 }],
    ['Example.org.:8443', { host: 'example.org', port: 8443 }],
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    ['example.org', null],
    ['example.org:0', null],
    ['example.org:99999', null],
    ['::1:443', null],
    ['user@example.org:443', null],
    ['exa mple.org:443', null],
    ['', null],
  ])('%j → %j', (authority, target) => {
    expect(parseConnectTarget(authority)).toEqual(target);
  });
});

describe('parseHttpTarget', () => {
  it.each([
    ['http://example.org/path?q=1', { host: 'example.org', port: 80 }],
    ['http://Example.org:8080/', { host: 'example.org', port: 8080 }],
    ['http://127.0.0.1:3000', { host: '127.0.0.1', port: 3000 }],
    ['http://[::1]:81/', { host: '::1', port: 81 }],
    ['HTTP://example.org/', { host: 'example.org', port: 80 }],
    ['/relative/path', null],
    ['https://example.org/', null],
    ['ftp://example.org/', null],
    ['http://', null],
  ])('%j → %j', (url, target) => {
    expect(parseHttpTarget(url)).toEqual(target);
  });
});
