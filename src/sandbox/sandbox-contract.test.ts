import { createBubblewrapProvider } from './bubblewrap-provider.ts';
import { createHostProvider } from './host-provider.ts';
import { describeSandboxContract } from './sandbox-contract.ts';

describeSandboxContract('host', () => createHostProvider({ killGraceMs: 300 }));
describeSandboxContract('bubblewrap', () => createBubblewrapProvider({ killGraceMs: 300 }));
