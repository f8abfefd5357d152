import { describe, expect, it } from 'vitest';
import {
  missingSecrets,
  parseRemoteAllow,
  remoteRefusal,
  toolAllowed,
  unseparatedSecrets,
} from './mcp-policy.ts';

describe('toolAllowed', () => {
  it.each([
    [{ allow: null, deny: [] }, 'anything', true],
    [{ allow: ['search_*'], deny: [] }, 'search_docs', true],
    [{ allow: ['search_*'], deny: [] }, 'delete_docs', false],
    [{ allow: ['search_*'], deny: ['search_admin'] }, 'search_admin', false],
    [{ allow: null, deny: ['*'] }, 'search_docs', false],
    [{ allow: ['a.b'], deny: [] }, 'aXb', false],
  ])('%j and %s → %s', (filter, tool, expected) => {
    expect(toolAllowed(filter, tool)).toBe(expected);
  });
});

describe('remote hosts', () => {
  const allowed = parseRemoteAllow(' MCP.example.org , tools.example.com:8443,,');

  it('parses the operator allowlist, and nothing allows nothing', () => {
    expect(allowed).toEqual([
      { host: 'mcp.example.org', port: null },
      { host: 'tools.example.com', port: 8443 },
    ]);
    expect(parseRemoteAllow(undefined)).toEqual([]);
    expect(remoteRefusal('https://mcp.example.org/mcp', [])).toMatch(/allows no remote MCP hosts/);
  });

  it('allows listed hosts (and ports) only', () => {
    expect(remoteRefusal('https://mcp.example.org/mcp', allowed)).toBeNull();
    expect(remoteRefusal('http://mcp.example.org:9000/mcp', allowed)).toBeNull();
    expect(remoteRefusal('https://tools.example.com:8443/', allowed)).toBeNull();
    expect(remoteRefusal('https://tools.example.com/', allowed)).toMatch(/tools\.example\.com:443 is not/);
    expect(remoteRefusal('https://evil.example.org/', allowed)).toMatch(/DRYDOCK_MCP_REMOTE_ALLOW/);
    // Credentials in the url do not make another host look allowed.
    expect(remoteRefusal('https://mcp.example.org@evil.org/', allowed)).toMatch(/evil\.org:443 is not/);
  });
});

describe('missingSecrets', () => {
  it('names the secrets the vault lacks and how to set them', () => {
    const server = {
      name: 'tracker',
      transport: 'remote' as const,
      url: 'https://x.org',
      headers: { Authorization: 'TOKEN' },
      tools: { allow: null, deny: [] },
    };
    expect(missingSecrets(server, new Set(['TOKEN']), 'r')).toBeNull();
    expect(missingSecrets(server, new Set(), '/repo')).toMatch(
      /gives the MCP server tracker TOKEN, but it is not set.*drydock secret set TOKEN --repo \/repo/,
    );
  });
});

describe('unseparatedSecrets', () => {
  const stdio = (env: string[]) => ({
    name: 'tools',
    transport: 'stdio' as const,
    command: ['node', 'server.mjs'],
    env,
    tools: { allow: null, deny: [] },
  });
  it('refuses a stdio server with secrets where services are not separated, and nothing else', () => {
    expect(unseparatedSecrets(stdio(['TOKEN']), false)).toMatch(/tools has secrets \(TOKEN\).*as root/);
    expect(unseparatedSecrets(stdio(['TOKEN']), true)).toBeNull();
    expect(unseparatedSecrets(stdio([]), false)).toBeNull();
  });
});
