import { onTestFinished } from 'vitest';
import type { Forge } from '../../src/core/ports/forge.ts';
import type { ForgeHarness, PullClose } from '../../src/forge/forge-contract.ts';

interface FakeApi {
  close(): Promise<void>;
  closePull?(repo: string, number: number, close: PullClose): void;
}

/** A fake forge API started for the running test, closed when it ends, passed or failed. */
export async function forTest<F extends FakeApi>(starting: Promise<F>): Promise<F> {
  const fake = await starting;
  onTestFinished(() => fake.close());
  return fake;
}

/** Where a forge under test finds git remotes: `repo` is the contract's bare repository, nothing else exists. */
export function gitRemoteOf(repo: string, bare: string): (path: string) => string {
  return (path) => (path === repo ? bare : `/nonexistent/${path}.git`);
}

/** The contract's setup for `forge` over `fake`: `repo` (after `prefix`) is there, `acme/secret` is not. */
export function contractOnFake(fake: FakeApi, forge: Forge, repo: string, prefix = ''): ForgeHarness {
  const closePull = fake.closePull?.bind(fake);
  return {
    forge,
    repo: `${prefix}${repo}`,
    missingRepo: `${prefix}acme/secret`,
    close: () => fake.close(),
    ...(closePull ? { closePull: (number: number, close: PullClose) => closePull(repo, number, close) } : {}),
  };
}

/** A forge's `sleep` that waits not at all and records what it was asked to wait, in ms. */
export function recordedWaits(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}
