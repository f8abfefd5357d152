/**
 * Chromium's `--remote-debugging-pipe` speaks CDP as NUL-terminated JSON messages on two file
 * descriptors; playwright-core connects over a WebSocket only. The bridge serves one WebSocket on the
 * host's loopback (a random port and an unguessable path, one client) and relays each message to the
 * pipe and back. The browser itself runs inside the sandbox: the bridge only carries DevTools messages.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface CdpPipeBridge {
  /** The WebSocket URL to hand to `chromium.connectOverCDP`. */
  readonly endpoint: string;
  /** Feed with what the browser writes on its pipe (its stdout), in any chunking. */
  fromBrowser(chunk: string): void;
  close(): Promise<void>;
}

export async function startCdpPipeBridge(toBrowser: (message: string) => void): Promise<CdpPipeBridge> {
  const path = `/devtools/browser/${randomUUID()}`;
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path, maxPayload: 256 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  let client: WebSocket | undefined;
  // What the browser sent before the client connected, or after its last NUL.
  const early: string[] = [];
  let partial = '';
  server.on('connection', (socket) => {
    // One client: the driver that made the bridge. Anyone else on the host's loopback is turned away.
    if (client !== undefined) {
      socket.close(1008, 'taken');
      return;
    }
    client = socket;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) toBrowser(`${data.toString()}\0`);
    });
    for (const message of early.splice(0)) socket.send(message);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `ws://127.0.0.1:${port}${path}`,
    fromBrowser(chunk) {
      const parts = `${partial}${chunk}`.split('\0');
      partial = parts.pop() ?? '';
      for (const message of parts) {
        if (client) client.send(message);
        else early.push(message);
      }
    },
    async close() {
      client?.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
