import { afterAll, describe } from 'vitest';
import { busyboxImage, busyboxImageUnavailable } from '../../test/support/test-images.ts';
import type { SandboxProvider } from '../core/ports/sandbox.ts';
import { type BubblewrapProvider, createBubblewrapProvider } from './bubblewrap-provider.ts';
import { createHostProvider } from './host-provider.ts';
import { createNoSandboxProvider } from './no-sandbox-provider.ts';
import {
  describeSandboxContract,
  IMAGE_ROOT_TESTS,
  type SandboxContractOptions,
} from './sandbox-contract.ts';

// A static busybox on musl: no glibc, no bash, no Node, so drydock's supervisor brings its own.
const imageMissing = await busyboxImageUnavailable();
const image = imageMissing === null ? { image: busyboxImage } : {};
const onHost: SandboxContractOptions = {
  ...image,
  skip: [
    {
      reason: "images need the bubblewrap sandbox: this provider runs on the host's system",
      tests: [IMAGE_ROOT_TESTS.runs],
    },
  ],
};
const onBubblewrap: SandboxContractOptions = {
  ...image,
  skip: [{ reason: 'bubblewrap runs images', tests: [IMAGE_ROOT_TESTS.refuses] }],
};

describeSandboxContract('host', () => createHostProvider({ killGraceMs: 300 }), onHost);
describeSandboxContract('none', () => createNoSandboxProvider({ killGraceMs: 300 }), onHost);
describeSandboxContract(
  'bubblewrap',
  () => createBubblewrapProvider({ killGraceMs: 300, warn: () => {} }),
  onBubblewrap,
);
// The whole contract again with every sandbox on the image root.
describe.skipIf(imageMissing !== null)(`on an image root (${imageMissing ?? 'busybox on musl'})`, () => {
  describeSandboxContract(
    'bubblewrap, on an image root',
    () => createBubblewrapProvider({ killGraceMs: 300, warn: () => {} }),
    { ...onBubblewrap, root: busyboxImage },
  );
});

// Every sandbox after the first handed over from a spare (as root; elsewhere spares are off).
let withSpares: BubblewrapProvider | undefined;
describeSandboxContract(
  'bubblewrap, from spares',
  (): SandboxProvider => {
    const provider = createBubblewrapProvider({ killGraceMs: 300, spares: 1, warn: () => {} });
    withSpares = provider;
    return {
      ...provider,
      async create(spec) {
        await provider.sparesSettled();
        return provider.create(spec);
      },
    };
  },
  onBubblewrap,
);
afterAll(() => withSpares?.drainSpares());
