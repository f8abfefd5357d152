import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../test/fakes/memory-sandbox.ts';
import type { BadInputError } from '../core/errors.ts';
import type { EgressAttempt, ExecOptions, ExecResult } from '../core/ports/sandbox.ts';
import { runSetupCommands } from './build-image.ts';
import { planEnvironment } from './environment-plan.ts';
import { createRedactor } from './redactor.ts';

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, 'fixtures', 'setup-failures', `${name}.txt`), 'utf8');

/** A sandbox whose node is `nodeVersion` and whose setup commands print `output` and exit `exitCode`. */
function sandboxAnswering(nodeVersion: string, output: string, exitCode: number) {
  return createMemorySandbox({}, (command, options: ExecOptions): Partial<ExecResult> => {
    if (command === 'node --version') return { output: `${nodeVersion}\n` };
    options.onOutput?.(output, 'stdout');
    return { exitCode, output };
  });
}

const pinnedPnpm = (engines?: string) =>
  planEnvironment({
    config: null,
    files: ['package.json', 'pnpm-lock.yaml'],
    packageJson: {
      dependencies: { 'is-number': '7.0.0' },
      packageManager: 'pnpm@10.34.9',
      ...(engines ? { engines: { node: engines } } : {}),
    },
  });

async function failure(run: Promise<unknown>): Promise<BadInputError> {
  try {
    await run;
  } catch (error) {
    return error as BadInputError;
  }
  throw new Error('setup did not fail');
}

describe('runSetupCommands', () => {
  const options = (blocked: EgressAttempt[] = []) => ({ redact: createRedactor([]), secretEnv: {}, blocked });

  it("notes in the log where the sandbox's Node misses the repository's requirement, before setup", async () => {
    const sandbox = sandboxAnswering('v20.20.2', 'Done in 1s using pnpm v10.34.9\n', 0);
    const { log } = await runSetupCommands(sandbox, { plan: pinnedPnpm('>=22'), ...options() });
    expect(log.split('\n')[0]).toBe(
      "# the sandbox's Node is v20.20.2; the repository asks for >=22 (package.json engines.node)",
    );
    expect(sandbox.commands[0]).toBe('node --version');
  });

  it('says nothing, and asks nothing, when the repository states no Node', async () => {
    const sandbox = sandboxAnswering('v20.20.2', 'Done\n', 0);
    const { log } = await runSetupCommands(sandbox, { plan: pinnedPnpm(), ...options() });
    expect(log).not.toMatch(/^#/m);
    expect(sandbox.commands).not.toContain('node --version');
  });

  it('says nothing when the Node satisfies it', async () => {
    const sandbox = sandboxAnswering('v22.23.3', 'Done\n', 0);
    const { log } = await runSetupCommands(sandbox, { plan: pinnedPnpm('>=22'), ...options() });
    expect(log).not.toMatch(/^#/m);
  });

  it('fails with the command, the likely cause (with the Node mismatch) and how to override setup', async () => {
    const plan = pinnedPnpm('>=22');
    const sandbox = sandboxAnswering('v20.20.2', fixture('pnpm10-engine-strict'), 1);
    const error = await failure(runSetupCommands(sandbox, { plan, ...options() }));
    expect(error.code).toBe('setup_failed');
    expect(error.details).toMatchObject({ cause: 'node_version' });
    const [headline, explanation] = error.message.split('\n');
    expect(headline).toBe(
      `Setup failed: \`${plan.setup[0]}\` (command 1 of 1, from ${plan.description}) exited with code 1 after 0.0 s. No environment image was published.`,
    );
    expect(explanation).toMatch(/^Likely cause: the repository or its package manager needs another Node/);
    expect(explanation).toMatch(/The sandbox's Node is v20\.20\.2; the repository asks for >=22/);
    expect(explanation).toMatch(
      /Set `setup:` in \.drydock\/config\.yaml to the commands that install this repository/,
    );
    expect(error.message).toMatch(/Last lines of its output:\n/);
  });

  it("explains from the failing command's whole output, not only the tail it shows", async () => {
    const plan = planEnvironment({
      config: null,
      files: ['package.json', 'package-lock.json'],
      packageJson: { dependencies: { 'is-number': '7.0.0' } },
    });
    const sandbox = sandboxAnswering('v20.20.2', fixture('npm-ci-lockfile-out-of-sync'), 1);
    const error = await failure(runSetupCommands(sandbox, { plan, ...options() }));
    expect(error.details).toMatchObject({ cause: 'lockfile_outdated' });
    expect(error.message).toMatch(/Likely cause: the lockfile is out of date with package\.json/);
    // The tail the message shows is npm's usage text: the reason is far above it.
    expect(String((error.details as { log: string }).log)).not.toMatch(/can only install packages/);
  });

  it('names the hosts the proxy refused, and network.setup', async () => {
    const plan = pinnedPnpm();
    const sandbox = sandboxAnswering('v20.20.2', fixture('pnpm10-fetch-403-through-proxy'), 1);
    const error = await failure(
      runSetupCommands(sandbox, { plan, ...options([{ host: 'example.org', port: 443 }]) }),
    );
    expect(error.details).toMatchObject({ cause: 'network' });
    expect(error.message).toMatch(/setup reached for example\.org:443, which the sandbox may not reach/);
    expect(error.message).toMatch(/Blocked network attempts: example\.org:443\./);
  });
});
