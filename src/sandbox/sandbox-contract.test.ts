import { createBubblewrapProvider } from './bubblewrap-provider.ts';
import { createHostProvider } from './host-provider.ts';
import { createNoSandboxProvider } from './no-sandbox-provider.ts';
import { describeSandboxContract } from './sandbox-contract.ts';

describeSandboxContract('host', () => createHostProvider({ killGraceMs: 300 }));
describeSandboxContract('none', () => createNoSandboxProvider({ killGraceMs: 300 }));
describeSandboxContract('bubblewrap', () => createBubblewrapProvider({ killGraceMs: 300 }));
