import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EgressAttempt } from '../core/ports/sandbox.ts';
import { resolveEgressRules } from './egress-policy.ts';
import { type EgressProxy, startEgressProxy } from './egress-proxy.ts';

/** Sends raw bytes to the proxy's socket and returns everything it answers until it closes or goes quiet. */
function exchange(socketPath: string, request: string, quietMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      clearTimeout(timer);
      timer = setTimeout(done, quietMs);
    });
    socket.on('end', done);
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('startEgressProxy', () => {
  let dir: string;
  let target: Server;
  let targetPort: number;
  let proxy: EgressProxy;
  const blocked: EgressAttempt[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-proxy-'));
    target = createServer((request, response) => {
      response.setHeader('x-seen-proxy-header', String(request.headers['proxy-authorization'] ?? 'none'));
      response.end(`hello from ${request.method} ${request.url}`);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetPort = (target.address() as AddressInfo).port;
    proxy = await startEgressProxy({
      socketPath: join(dir, 'egress.sock'),
      allow: resolveEgressRules([{ host: '127.0.0.1', port: targetPort }, { host: '*.example.org' }]),
      onBlocked: (attempt) => blocked.push(attempt),
    });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => target.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('tunnels CONNECT to an allowlisted host:port', async () => {
    const answer = await exchange(
      proxy.socketPath,
      `CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\nHost: 127.0.0.1:${targetPort}\r\n\r\n` +
        `GET /tunnelled HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(answer).toContain('hello from GET /tunnelled');
  });

  it('forwards a plain http request with an absolute URL, without the proxy headers', async () => {
    const answer = await exchange(
      proxy.socketPath,
      `GET http://127.0.0.1:${targetPort}/plain?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${targetPort}\r\n` +
        'Proxy-Authorization: Basic c2VjcmV0\r\nConnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(answer).toContain('x-seen-proxy-header: none');
    expect(answer).toContain('hello from GET /plain?x=1');
  });

  it('answers 403 to what is not allowlisted and reports each attempt', async () => {
    blocked.length = 0;
    const connectAnswer = await exchange(proxy.socketPath, 'CONNECT example.com:443 HTTP/1.1\r\n\r\n');
    expect(connectAnswer).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    expect(connectAnswer).toContain('example.com:443');
    const portAnswer = await exchange(
      proxy.socketPath,
      `CONNECT 127.0.0.1:${targetPort + 1} HTTP/1.1\r\n\r\n`,
    );
    expect(portAnswer).toMatch(/^HTTP\/1\.1 403/);
    const httpAnswer = await exchange(
      proxy.socketPath,
      'GET http://www.example.org:8080/ HTTP/1.1\r\nHost: www.example.org\r\nConnection: close\r\n\r\n',
    );
    expect(httpAnswer).toMatch(/^HTTP\/1\.1 403/);
    expect(blocked).toEqual([
      { host: 'example.com', port: 443 },
      { host: '127.0.0.1', port: targetPort + 1 },
      { host: 'www.example.org', port: 8080 },
    ]);
  });

  it('answers 400 to requests that are not proxy requests, without reporting them as blocked', async () => {
    blocked.length = 0;
    const origin = await exchange(
      proxy.socketPath,
      'GET /path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(origin).toMatch(/^HTTP\/1\.1 400/);
    const badConnect = await exchange(proxy.socketPath, 'CONNECT nonsense HTTP/1.1\r\n\r\n');
    expect(badConnect).toMatch(/^HTTP\/1\.1 400/);
    expect(blocked).toEqual([]);
  });

  it('answers 502 when an allowlisted target does not answer', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const other = await startEgressProxy({
      socketPath: join(dir, 'other.sock'),
      allow: resolveEgressRules([{ host: '127.0.0.1', port }]),
    });
    try {
      expect(await exchange(other.socketPath, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\n\r\n`)).toMatch(
        /^HTTP\/1\.1 502 Bad Gateway/,
      );
    } finally {
      await other.close();
    }
  });

  it('cuts open tunnels on close', async () => {
    const own = await startEgressProxy({
      socketPath: join(dir, 'own.sock'),
      allow: resolveEgressRules([{ host: '127.0.0.1', port: targetPort }]),
    });
    const socket = connect(own.socketPath);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(`CONNECT 127.0.0.1:${targetPort} HTTP/1.1\r\n\r\n`);
    await new Promise((resolve) => socket.once('data', resolve));
    await own.close();
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});
