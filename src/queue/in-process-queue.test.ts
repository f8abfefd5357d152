import { createInProcessQueue } from './in-process-queue.ts';
import { describeQueueContract } from './queue-contract.ts';

describeQueueContract('in-process', async (deps) => createInProcessQueue(deps));
