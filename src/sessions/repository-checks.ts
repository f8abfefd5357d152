import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BadInputError } from '../core/errors.ts';
import { formatMs } from '../core/format-ms.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';
import { runSetupInWorkspace } from '../environments/build-image.ts';
import { prepareWorkspace } from '../environments/local-workspace.ts';
import { prepareEnvironment } from '../environments/prepare-environment.ts';
import { NO_SECRETS, secretsForPhase } from '../environments/secret-vault.ts';
import { resolveLocalRepository } from '../forge/local-repository.ts';
import type { CheckOutcome } from '../verify/check-outcome.ts';
import type { Check } from '../verify/checks.ts';
import { discoverChecks } from '../verify/discover-checks.ts';
import { runChecks } from '../verify/run-checks.ts';
import type { TestCase } from '../verify/test-results.ts';
import { nodeNotes } from './phase-setup.ts';
import type { SessionDeps } from './session-deps.ts';
import { imageRootsOf } from './session-environment.ts';

type Write = (text: string) => void;

export interface ChecksOptions {
  ref: string;
  /** Set up and run the checks on the commit (the baseline a session would take); false: only detect. */
  run: boolean;
  /** Print every test, not only the failing ones. */
  all: boolean;
  signal?: AbortSignal;
}

/**
 * `drydock checks <repo>`: what drydock detects for a repository at a commit (setup, the checks, each
 * test check's runner and report), and, unless `run` is off, the per-test result of a baseline run
 * in a fresh clone, set up as a session would be. The tool for when the gate surprises someone.
 */
export async function showChecks(
  deps: SessionDeps,
  repoArg: string,
  options: ChecksOptions,
  write: Write,
): Promise<CheckOutcome[]> {
  const repository = await resolveLocalRepository(repoArg, options.ref);
  const vault = deps.vault ?? NO_SECRETS;
  const { plan, secrets, redact, root } = await prepareEnvironment(
    {
      store: deps.store,
      clock: deps.clock,
      vault,
      layers: null,
      baseLayer: () => Promise.reject(new Error('no layers here')),
      confinement: deps.sandboxes.confinement,
      imageRoots: imageRootsOf(deps, null),
    },
    { repo: repository.path, commit: repository.commit, planOnly: true },
  );
  write(`${repository.path} at ${repository.commit.slice(0, 12)} (${options.ref})\n`);
  write(`setup: ${plan.description}\n`);
  if (root) write(`image: ${root.label}\n`);
  for (const command of plan.setup) write(`  $ ${command}\n`);
  for (const command of plan.start) write(`  start: $ ${command}\n`);

  const dir = join(deps.home, 'checks', `${Date.now()}-${randomBytes(4).toString('hex')}`);
  const workspacePath = join(dir, 'workspace');
  await mkdir(dir, { recursive: true });
  let sandbox: Sandbox | undefined;
  try {
    await prepareWorkspace(repository.path, repository.commit, workspacePath);
    if (options.run && plan.setup.length > 0) {
      write(
        `\nsetting up a fresh clone (${plan.setup.length} command${plan.setup.length === 1 ? '' : 's'}):\n`,
      );
      const { durationMs } = await runSetupInWorkspace(
        deps.sandboxes,
        workspacePath,
        `checks-setup-${randomBytes(4).toString('hex')}`,
        {
          plan,
          redact,
          secretEnv: secretsForPhase(plan, 'setup', secrets, repository.path),
          root,
          onOutput: write,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      write(`setup done in ${formatMs(durationMs)}\n`);
    }
    const agentEnv = secretsForPhase(plan, 'agent', secrets, repository.path);
    sandbox = await deps.sandboxes.create({
      sessionId: `checks-${randomBytes(4).toString('hex')}`,
      ...(root ? { root } : {}),
      workspacePath,
      readOnlyPaths: ['.git'],
      ...(Object.keys(plan.limits).length > 0 ? { limits: plan.limits } : {}),
      ...(Object.keys(agentEnv).length > 0 ? { env: agentEnv } : {}),
      ...(plan.network.agent.length > 0 ? { network: { allow: plan.network.agent } } : {}),
    });
    const found = await discoverChecks(sandbox, {
      configured: plan.checks,
      reportPrefix: `/tmp/drydock-${sandbox.id}-`,
    });
    write(`node in the sandbox: ${found.nodeVersion ?? 'none'}\n`);
    for (const note of nodeNotes(found.nodeVersion, plan.node)) write(`  note: ${note}\n`);
    write(describeChecks(found.checks));
    if (!options.run || found.checks.length === 0) return [];
    const startEnv = secretsForPhase(plan, 'start', secrets, repository.path);
    for (const command of plan.start) {
      const started = await sandbox.exec(command, { env: startEnv, timeoutMs: 10 * 60_000 });
      if (started.exitCode !== 0) {
        throw new BadInputError(
          'start_failed',
          `The start command \`${command}\` exited with ${started.exitCode}:\n${redact(started.output).trimEnd().split('\n').slice(-20).join('\n')}`,
        );
      }
    }
    write('\nbaseline (the checks on this commit, as a session runs them before the agent starts):\n');
    const outcomes = await runChecks(sandbox, found.checks, {
      signal: options.signal ?? new AbortController().signal,
    });
    for (const outcome of outcomes) write(describeOutcome(outcome, options.all));
    return outcomes;
  } finally {
    await sandbox?.destroy().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}

/** The checks, each with where it came from, its runner and report, and what exactly runs. */
export function describeChecks(checks: readonly Check[]): string {
  if (checks.length === 0) {
    return 'checks: none found (no test, typecheck or lint script, no pytest, go or cargo tests). Declare them under checks: in .drydock/config.yaml.\n';
  }
  const lines = ['checks:'];
  for (const check of checks) {
    const judged =
      check.kind === 'script'
        ? 'judged by its exit code'
        : check.kind === 'test'
          ? check.report
            ? `per-test results from its ${check.report.format} report${check.report.file ? ` (${check.report.file})` : ' (printed)'}`
            : 'per-test results parsed from what it prints'
          : 'new diagnostics in changed files';
    lines.push(`  ${check.name}: ${check.label ?? check.command}`);
    lines.push(`    from ${check.source}${check.runner ? `, runner ${check.runner}` : ''}; ${judged}`);
    if (check.label) lines.push(`    runs: ${check.command}`);
    if (check.note) lines.push(`    note: ${check.note}`);
  }
  return `${lines.join('\n')}\n`;
}

const MARK: Record<TestCase['status'], string> = { passed: '✓', failed: '✗', skipped: '-' };

/** One check's baseline: exit, per-test counts and the failing tests (every test with `all`). */
export function describeOutcome(outcome: CheckOutcome, all: boolean): string {
  const status = outcome.timedOut ? 'timed out' : `exit ${outcome.exitCode}`;
  const lines = [`  ${outcome.check.name}: ${status} in ${formatMs(outcome.durationMs)}`];
  const tests = outcome.tests;
  if (tests?.parsed) {
    const { passed, failed, skipped } = tests.summary;
    lines[0] += `; ${passed} passed, ${failed} failed, ${skipped} skipped (read by drydock as ${tests.runner})`;
    const shown = all ? tests.tests : tests.tests.filter((test) => test.status === 'failed');
    for (const test of shown) {
      lines.push(`    ${MARK[test.status]} ${test.id}`);
      const first = test.message?.split('\n').find((line) => line.trim() !== '');
      if (test.status === 'failed' && first) lines.push(`        ${first.trim().slice(0, 200)}`);
    }
    if (tests.tests.length === 0)
      lines.push('    no tests in the results: the gate judges this check by its exit code');
  } else if (outcome.check.kind === 'test') {
    lines.push(
      `    per-test results unknown: ${outcome.testsUnreadable ?? 'no test runner output was recognised'}; the gate judges it by its exit code`,
    );
  }
  if (outcome.diagnostics) lines[0] += `; ${outcome.diagnostics.length} diagnostics`;
  if (outcome.exitCode !== 0 && !tests?.parsed) {
    lines.push(
      '    last lines:',
      ...outcome.outputTail
        .split('\n')
        .slice(-10)
        .map((line) => `      ${line}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
