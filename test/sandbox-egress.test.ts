/**
 * Network egress end to end, with local servers only: a sandbox with an allowlist reaches allowlisted
 * host:ports through drydock's proxy (bind-mounted socket, forwarded by the supervisor from
 * 127.0.0.1:3128), gets a 403 for anything else (and drydock hears of it), and still has no direct route.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EgressAttempt } from '../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';

const provider = createBubblewrapProvider({ killGraceMs: 300 });
const hasCurl = spawnSync('sh', ['-c', 'command -v curl']).status === 0;
if (!hasCurl) console.warn('sandbox-egress: curl is not installed; the end-to-end egress tests skip');

async function listen(name: string, hits: string[]): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    hits.push(request.url ?? '');
    response.end(`${name}:${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe.skipIf(!hasCurl)('bubblewrap sandbox network egress', () => {
  let workspace: string;
  let allowed: { server: Server; port: number };
  let other: { server: Server; port: number };
  const allowedHits: string[] = [];
  const otherHits: string[] = [];
  const blocked: EgressAttempt[] = [];
  let sandbox: SupervisedSandbox;
  const curl = (...args: string[]) => ['curl', '-sS', '--max-time', '5', ...args];

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'drydock-egress-test-'));
    allowed = await listen('allowed', allowedHits);
    other = await listen('other', otherHits);
    sandbox = await provider.create({
      sessionId: 'egress',
      workspacePath: workspace,
      network: {
        allow: [
          { host: '127.0.0.1', port: allowed.port },
          { host: 'localhost', port: allowed.port },
        ],
        onBlocked: (attempt) => blocked.push(attempt),
      },
    });
  });
  afterAll(async () => {
    await sandbox?.destroy();
    await new Promise((resolve) => allowed.server.close(resolve));
    await new Promise((resolve) => other.server.close(resolve));
    await rm(workspace, { recursive: true, force: true });
  });

  it('gives commands the proxy variables, loopback excepted', async () => {
    const env = (await sandbox.exec('env | sort')).output;
    for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) {
      expect(env).toContain(`${name}=http://127.0.0.1:3128\n`);
    }
    expect(env).toContain('NO_PROXY=localhost,127.0.0.1\n');
  });

  it('reaches an allowlisted host:port with a plain request through the proxy from the environment', async () => {
    // Loopback is in NO_PROXY (the sandbox's own servers); this test's "remote" host happens to be loopback.
    const result = await sandbox.exec(curl(`http://127.0.0.1:${allowed.port}/plain`), {
      env: { NO_PROXY: '', no_proxy: '' },
    });
    expect(result).toMatchObject({ exitCode: 0, output: 'allowed:/plain' });
  });

  it('reaches it through a CONNECT tunnel too, and by name, resolved outside the sandbox', async () => {
    const tunnel = await sandbox.exec(
      curl('-p', '-x', 'http://127.0.0.1:3128', '--noproxy', '', `http://127.0.0.1:${allowed.port}/tunnel`),
    );
    expect(tunnel).toMatchObject({ exitCode: 0, output: 'allowed:/tunnel' });
    const byName = await sandbox.exec(
      curl('-x', 'http://127.0.0.1:3128', '--noproxy', '', `http://localhost:${allowed.port}/by-name`),
    );
    expect(byName).toMatchObject({ exitCode: 0, output: 'allowed:/by-name' });
    expect(allowedHits).toEqual(expect.arrayContaining(['/plain', '/tunnel', '/by-name']));
  });

  it('answers 403 for anything not allowlisted, calls onBlocked, and never reaches the target', async () => {
    blocked.length = 0;
    const plain = await sandbox.exec(
      curl(
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '-x',
        'http://127.0.0.1:3128',
        '--noproxy',
        '',
        `http://127.0.0.1:${other.port}/`,
      ),
    );
    expect(plain.output).toBe('403');
    const tunnel = await sandbox.exec(curl('-p', '-x', 'http://127.0.0.1:3128', 'https://example.org/'));
    expect(tunnel.exitCode).not.toBe(0);
    expect(tunnel.output).toContain('403');
    expect(blocked).toEqual([
      { host: '127.0.0.1', port: other.port },
      { host: 'example.org', port: 443 },
    ]);
    expect(otherHits).toEqual([]);
  });

  it('still has no direct route: only its own loopback', async () => {
    const direct = await sandbox.exec(curl('--noproxy', '*', `http://127.0.0.1:${allowed.port}/direct`));
    expect(direct.exitCode).not.toBe(0);
    const viaBash = await sandbox.exec(`exec 3<>/dev/tcp/127.0.0.1/${allowed.port} && echo connected`);
    expect(viaBash.output).not.toContain('connected');
    expect(allowedHits).not.toContain('/direct');
    const interfaces = await sandbox.exec("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    expect(interfaces.output).toBe('lo\n');
  });

  it('has no proxy at all without a network spec', async () => {
    const closed = await provider.create({ sessionId: 'no-egress', workspacePath: workspace });
    try {
      const attempt = await closed.exec(
        curl('-x', 'http://127.0.0.1:3128', '--noproxy', '', `http://127.0.0.1:${allowed.port}/closed`),
      );
      expect(attempt.exitCode).not.toBe(0);
      expect((await closed.exec('env')).output).not.toContain('PROXY');
      expect(allowedHits).not.toContain('/closed');
    } finally {
      await closed.destroy();
    }
  });

  it('stops its proxy and removes the socket on destroy', async () => {
    // bubblewrap reads its options from a pipe (its command line names no host path): find the socket's
    // directory as the one this create added.
    const egressDirs = async () =>
      (await readdir(tmpdir())).filter((name) => name.startsWith('drydock-egress-'));
    const before = new Set(await egressDirs());
    const own = await provider.create({
      sessionId: 'egress-destroy',
      workspacePath: workspace,
      network: { allow: [] },
    });
    const added = (await egressDirs()).filter((name) => !before.has(name));
    expect(added).toHaveLength(1);
    const socketPath = join(tmpdir(), added[0]!, 'egress.sock');
    expect(existsSync(socketPath)).toBe(true);
    await own.destroy();
    expect(existsSync(socketPath)).toBe(false);
  });

  it('rejects an invalid allowlist before starting anything', async () => {
    await expect(
      provider.create({
        sessionId: 'bad-egress',
        workspacePath: workspace,
        network: { allow: [{ host: 'https://example.org' }] },
      }),
    ).rejects.toMatchObject({ kind: 'bad_input', code: 'invalid_egress_rule' });
  });
});
