import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { Queue } from '../core/ports/queue.ts';
import { createInProcessQueue } from './in-process-queue.ts';
import { createPortQueue, serveQueue } from './port-queue.ts';
import { describeQueueContract } from './queue-contract.ts';

function overPort(inner: Queue): Queue {
  const { port1, port2 } = new MessageChannel();
  const server = serveQueue(inner, port1);
  const remote = createPortQueue(port2);
  return {
    ...remote,
    async close() {
      await remote.close();
      server.close();
      await inner.close();
    },
  };
}

describeQueueContract('in-process, over a message port', async (deps) =>
  overPort(createInProcessQueue(deps)),
);

describe('createPortQueue', () => {
  it('passes errors of the served queue on, with their code', async () => {
    const failing: Queue = {
      ...createInProcessQueue(),
      get: async () => {
        throw Object.assign(new Error('the database is gone'), { code: 'ECONNREFUSED' });
      },
    };
    const queue = overPort(failing);
    try {
      await expect(queue.get('session', 'x')).rejects.toMatchObject({
        message: 'the database is gone',
        code: 'ECONNREFUSED',
      });
    } finally {
      await queue.close();
    }
  });
});
