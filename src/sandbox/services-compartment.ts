import { readFile } from 'node:fs/promises';
import { decorate } from '../core/decorate.ts';
import { UnavailableError } from '../core/errors.ts';
import type { ExecOptions } from '../core/ports/sandbox.ts';
import type { SupervisedSandbox } from './supervised-sandbox.ts';

/**
 * The host pid of the process that holds a bubblewrap sandbox's namespaces: bubblewrap's child (the
 * pid drydock holds is bubblewrap itself, which stays outside them).
 */
export async function namespaceHolder(bubblewrapPid: number | undefined): Promise<number> {
  const children =
    bubblewrapPid === undefined
      ? ''
      : await readFile(`/proc/${bubblewrapPid}/task/${bubblewrapPid}/children`, 'utf8').catch(() => '');
  const holder = Number(children.trim().split(' ')[0]);
  if (!Number.isInteger(holder) || holder <= 0) {
    throw new UnavailableError('sandbox_died', 'The sandbox is gone: its services cannot join it.');
  }
  return holder;
}

/**
 * The agent's sandbox, with `exec(…, { compartment: 'services' })` routed to a second sandbox that
 * `start` makes on first use: what runs there shares the network with the agent's commands but not
 * their PID namespace, so the agent cannot read a service's environment (its secrets) in /proc; its
 * workspace is the agent's, or the tree the first services exec names (`servicesWorkspace`).
 * Everything else is the agent sandbox's. The services go when the agent sandbox ends, however it ends.
 */
export function withServicesCompartment(
  agent: SupervisedSandbox,
  agentEnded: Promise<unknown>,
  start: (workspacePath: string | undefined) => Promise<SupervisedSandbox>,
): SupervisedSandbox {
  let services: Promise<SupervisedSandbox> | undefined;
  const stopServices = async (): Promise<void> => {
    const started = services;
    services = undefined;
    await started?.then((sandbox) => sandbox.destroy()).catch(() => {});
  };
  agentEnded.then(stopServices, stopServices);
  const servicesSandbox = (workspacePath: string | undefined): Promise<SupervisedSandbox> => {
    services ??= start(workspacePath).catch((error: unknown) => {
      services = undefined;
      throw error;
    });
    return services;
  };
  return decorate(agent, {
    async exec(command: string | readonly string[], options: ExecOptions = {}) {
      if (options.compartment !== 'services') return agent.exec(command, options);
      const { compartment: _, servicesWorkspace, ...rest } = options;
      return (await servicesSandbox(servicesWorkspace)).exec(command, rest);
    },
    async destroy() {
      await stopServices();
      await agent.destroy();
    },
  });
}
