/**
 * Inside a sandbox with network egress: the supervisor listens on the sandbox's own loopback and
 * forwards every connection, byte for byte, to drydock's egress proxy on the Unix socket bind-mounted
 * into the sandbox. Bind-mounted next to the supervisor at /opt/drydock: `node:` builtins only.
 */
import { createConnection, createServer, type Server } from 'node:net';

export function startEgressForwarder(socketPath: string, port: number): Promise<Server> {
  // Half-open both ways, so a client that ends its request still reads the whole response.
  const server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection({ path: socketPath, allowHalfOpen: true });
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
