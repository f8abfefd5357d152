import { afterAll } from 'vitest';
import type { SandboxProvider } from '../core/ports/sandbox.ts';
import { type BubblewrapProvider, createBubblewrapProvider } from './bubblewrap-provider.ts';
import { createHostProvider } from './host-provider.ts';
import { createNoSandboxProvider } from './no-sandbox-provider.ts';
import { describeSandboxContract } from './sandbox-contract.ts';

describeSandboxContract('host', () => createHostProvider({ killGraceMs: 300 }));
describeSandboxContract('none', () => createNoSandboxProvider({ killGraceMs: 300 }));
describeSandboxContract('bubblewrap', () => createBubblewrapProvider({ killGraceMs: 300 }));

// Every sandbox after the first handed over from a spare (as root; elsewhere spares are off).
let withSpares: BubblewrapProvider | undefined;
describeSandboxContract('bubblewrap, from spares', (): SandboxProvider => {
  const provider = createBubblewrapProvider({ killGraceMs: 300, spares: 1 });
  withSpares = provider;
  return {
    ...provider,
    async create(spec) {
      await provider.sparesSettled();
      return provider.create(spec);
    },
  };
});
afterAll(() => withSpares?.drainSpares());
