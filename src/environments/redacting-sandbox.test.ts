import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decorate } from '../core/decorate.ts';
import type { Sandbox, SandboxProvider } from '../core/ports/sandbox.ts';
import { createHostProvider } from '../sandbox/host-provider.ts';
import { describeSandboxContract } from '../sandbox/sandbox-contract.ts';
import { redactingSandbox } from './redacting-sandbox.ts';
import { createRedactor } from './redactor.ts';

const SECRET = 'tok-5e3c2a19d7';
const redact = createRedactor([{ name: 'API_TOKEN', value: SECRET }]);

function redactingProvider(inner: SandboxProvider): SandboxProvider {
  return decorate(inner, { create: async (spec) => redactingSandbox(await inner.create(spec), redact) });
}

// A decorated sandbox is still a sandbox: the port's whole contract, through the decorator.
describeSandboxContract('redacting (host)', () =>
  redactingProvider(createHostProvider({ killGraceMs: 300 })),
);

describe('redactingSandbox', () => {
  let dir: string;
  let sandbox: Sandbox;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-redacting-'));
    sandbox = redactingSandbox(
      await createHostProvider().create({ sessionId: 'r', workspacePath: dir }),
      redact,
    );
  });
  afterAll(async () => {
    await sandbox.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('hides a secret printed in two halves, in the result and in the streamed chunks', async () => {
    const chunks: string[] = [];
    const result = await sandbox.exec(
      `printf %s ${SECRET.slice(0, 6)}; sleep 0.2; printf '%s\\n' ${SECRET.slice(6)}; printf %s ${SECRET} | base64`,
      { onOutput: (chunk) => chunks.push(chunk) },
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.join('')).toBe('[secret API_TOKEN]\n[secret API_TOKEN (base64)]\n');
    expect(chunks.join('')).toBe(result.output);
    expect(chunks.some((chunk) => chunk.includes(SECRET.slice(0, 6)))).toBe(false);
  });

  it('shows files redacted but writes them as given', async () => {
    await sandbox.writeFile('config.env', `API_TOKEN=${SECRET}\n`);
    expect(await readFile(join(dir, 'config.env'), 'utf8')).toBe(`API_TOKEN=${SECRET}\n`);
    expect((await sandbox.readFile('config.env')).toString()).toBe('API_TOKEN=[secret API_TOKEN]\n');
    await writeFile(join(dir, 'plain.txt'), 'nothing to hide');
    expect((await sandbox.readFile('plain.txt')).toString()).toBe('nothing to hide');
  });

  it('forwards every member it does not redact, extras of a subtype included', async () => {
    const extra = Object.assign(await createHostProvider().create({ sessionId: 'x', workspacePath: dir }), {
      snapshot: async () => ({ layers: ['a'] }),
      hostWorkspacePath: dir,
    });
    const decorated = redactingSandbox(extra, redact);
    expect(await decorated.snapshot()).toEqual({ layers: ['a'] });
    expect(decorated.hostWorkspacePath).toBe(dir);
    expect(decorated.workdir).toBe(extra.workdir);
    expect(await decorated.stat('config.env')).toMatchObject({ type: 'file' });
    await decorated.destroy();
  });
});
