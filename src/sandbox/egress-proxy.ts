/**
 * The host side of a sandbox's network egress: an HTTP proxy on a Unix socket (bind-mounted into the
 * sandbox, where the supervisor forwards 127.0.0.1:3128 to it). It opens CONNECT tunnels and forwards
 * plain http requests to allowlisted hosts only; everything else gets a 403 and an onBlocked call.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { EgressAttempt, EgressRule } from '../core/ports/sandbox.ts';
import { type EgressKind, isEgressAllowed, parseConnectTarget, parseHttpTarget } from './egress-policy.ts';

export interface EgressProxyOptions {
  socketPath: string;
  /** Validated rules (resolveEgressRules). */
  allow: readonly EgressRule[];
  onBlocked?: ((attempt: EgressAttempt) => void) | undefined;
}

export interface EgressProxy {
  readonly socketPath: string;
  /** Stops listening and cuts every open connection and tunnel. Idempotent. */
  close(): Promise<void>;
}

/** How long a tunnel may take to reach its target; a black-holed host must not hang the command. */
const CONNECT_TIMEOUT_MS = 15_000;

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the proxy's own: never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEndHeaders(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) kept[name] = value;
  }
  return kept;
}

function blockedMessage(target: EgressAttempt): string {
  return `drydock blocked ${target.host}:${target.port}: it is not in this sandbox's network allowlist.\n`;
}

function rawResponse(status: string, body: string): string {
  return (
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const sockets = new Set<Duplex>();
  const track = (socket: Duplex): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const decide = (target: EgressAttempt, kind: EgressKind): boolean => {
    if (isEgressAllowed(options.allow, target, kind)) return true;
    try {
      options.onBlocked?.(target);
    } catch {
      // A listener's failure must not take the proxy down.
    }
    return false;
  };

  const onConnect = (req: IncomingMessage, client: Duplex, head: Buffer): void => {
    client.on('error', () => client.destroy());
    const target = parseConnectTarget(req.url ?? '');
    if (target === null) {
      client.end(rawResponse('400 Bad Request', 'drydock proxy: CONNECT needs host:port.\n'));
      return;
    }
    if (!decide(target, 'connect')) {
      client.end(rawResponse('403 Forbidden', blockedMessage(target)));
      return;
    }
    const upstream: Socket = connect({ host: target.host, port: target.port });
    track(upstream);
    let connected = false;
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () =>
      upstream.destroy(
        new Error(`no connection to ${target.host}:${target.port} within ${CONNECT_TIMEOUT_MS} ms`),
      ),
    );
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (error) => {
      if (connected) client.destroy();
      else client.end(rawResponse('502 Bad Gateway', `drydock proxy: ${error.message}\n`));
    });
    client.once('close', () => upstream.destroy());
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const target = parseHttpTarget(req.url ?? '');
    if (target === null) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('drydock proxy: send CONNECT host:port, or a request with an absolute http:// URL.\n');
      return;
    }
    if (!decide(target, 'http')) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(blockedMessage(target));
      return;
    }
    const url = new URL(req.url ?? '');
    const upstream = request(
      {
        host: target.host,
        port: target.port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: endToEndHeaders(req.headers),
        agent: false,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.statusMessage, endToEndHeaders(response.headers));
        response.pipe(res);
      },
    );
    upstream.once('socket', (socket) => {
      // A connect timeout only: once connected, a slow response is the target's business.
      socket.setTimeout(CONNECT_TIMEOUT_MS, () =>
        upstream.destroy(
          new Error(`no connection to ${target.host}:${target.port} within ${CONNECT_TIMEOUT_MS} ms`),
        ),
      );
      socket.once('connect', () => socket.setTimeout(0));
    });
    upstream.on('error', (error) => {
      if (res.headersSent) res.destroy();
      else {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`drydock proxy: ${error.message}\n`);
      }
    });
    req.pipe(upstream);
  };

  const server = createServer(onRequest);
  server.on('connect', onConnect);
  server.on('connection', track);
  server.on('clientError', (_, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    socketPath: options.socketPath,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
