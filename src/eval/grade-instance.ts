import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BadInputError, describeError } from '../core/errors.ts';
import type { EvalGrading, TestTally } from '../core/eval.ts';
import type { Sandbox, SandboxSpec } from '../core/ports/sandbox.ts';
import { runSetupInWorkspace } from '../environments/build-image.ts';
import type { EnvironmentPlan } from '../environments/environment-plan.ts';
import { prepareWorkspace } from '../environments/local-workspace.ts';
import { prepareEnvironment } from '../environments/prepare-environment.ts';
import { secretsForPhase } from '../environments/secret-vault.ts';
import { handOverWrites } from '../environments/tree-owner.ts';
import { repositoryDirs } from '../forge/repository-dirs.ts';
import { type WorkspaceGit, workspaceGit } from '../forge/workspace-git.ts';
import type { SessionDeps } from '../sessions/session-deps.ts';
import { environmentDeps } from '../sessions/session-environment.ts';
import { baseLayerFor } from '../sessions/session-workspace.ts';
import type { Check } from '../verify/checks.ts';
import { discoverChecks } from '../verify/discover-checks.ts';
import { runChecks } from '../verify/run-checks.ts';
import { applyTestPatch } from './apply-test-patch.ts';
import { tallyTests } from './tally-tests.ts';

/** What grading one delivered change needs: where it is, and the instance's hidden tests. */
export interface GradeInstanceInput {
  /** The scratch repository the session delivered into (it has both commits). */
  repo: string;
  /**
   * The instance's base commit: the environment (its setup, the image, the detected checks) is the one a
   * session on it gets, never one the change could have rewritten.
   */
  baseCommit: string;
  /** The delivered commit, graded. */
  commit: string;
  /** The hidden tests, as a unified diff (SWE-bench's `test_patch`). */
  testPatch: string;
  failToPass: readonly string[];
  passToPass: readonly string[];
  /** The dataset's test command (a drydock extension); else the repository's test checks, as the gate finds them. */
  testCommand?: string | null;
  /** The dataset's setup commands (a drydock extension), instead of the repository's own or the detected ones. */
  setup?: readonly string[] | null;
}

/** How long the tests may run when grading, as in the gate. */
const GRADING_TIMEOUT_MS = 15 * 60_000;

/**
 * Grades a delivered change with the instance's hidden tests, SWE-bench style: in a fresh sandbox set
 * up as a session's environment is (the environment image of the base commit when layered workspaces
 * are on, else a fresh clone and the setup plan), checks out the delivered commit, applies
 * `testPatch` through the sandbox's file API (the tree is the agent's: a symlink it planted leads
 * nowhere on the host, and the patch is refused rather than written through one), runs the tests
 * with their structured reporters as the gate does, and says `resolved` iff every FAIL_TO_PASS and
 * every PASS_TO_PASS test passed.
 *
 * Never throws but when `signal` aborts: anything that stops grading (a patch that does not apply,
 * results that cannot be read, a setup that fails) is a grading with `error` set, never resolved.
 */
export async function gradeInstance(
  deps: SessionDeps,
  input: GradeInstanceInput,
  signal: AbortSignal,
): Promise<EvalGrading> {
  const started = Date.now();
  const none: TestTally = { passed: 0, total: 0 };
  try {
    const graded = await grade(deps, input, signal);
    return { ...graded, durationMs: Date.now() - started };
  } catch (error) {
    if (signal.aborted) throw error;
    return {
      resolved: false,
      failToPass: { ...none, total: input.failToPass.length },
      passToPass: { ...none, total: input.passToPass.length },
      notPassing: [],
      error: describeError(error),
      durationMs: Date.now() - started,
    };
  }
}

/** A started grading sandbox: the delivered tree is checked out with `git`; `release` removes it all. */
interface GradingSandbox {
  sandbox: Sandbox;
  git: WorkspaceGit;
  release(): Promise<void>;
}

async function grade(
  deps: SessionDeps,
  input: GradeInstanceInput,
  signal: AbortSignal,
): Promise<Omit<EvalGrading, 'durationMs'>> {
  const setupOverride = input.setup ?? null;
  // The image is the session's when the setup is the repository's; a dataset's setup gets a clone of its own.
  const layers =
    deps.layers?.sandboxes.workspaceMode === 'overlay' && setupOverride === null ? deps.layers : null;
  const prepared = await prepareEnvironment(environmentDeps(deps, layers), {
    repo: input.repo,
    commit: input.baseCommit,
    planOnly: layers === null,
    signal,
  });
  const plan: EnvironmentPlan =
    setupOverride === null ? prepared.plan : { ...prepared.plan, setup: [...setupOverride] };
  const agentEnv = secretsForPhase(plan, 'agent', prepared.secrets, input.repo);
  const allow = [...(deps.allowHosts ?? []), ...plan.network.agent];
  const limits = { ...deps.limits, ...plan.limits };
  const spec: Omit<SandboxSpec, 'workspacePath'> = {
    sessionId: `eval-grade-${randomBytes(4).toString('hex')}`,
    ...(prepared.root ? { root: prepared.root } : {}),
    readOnlyPaths: ['.git'],
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(Object.keys(agentEnv).length > 0 ? { env: agentEnv } : {}),
    ...(allow.length > 0 ? { network: { allow } } : {}),
  };

  let started: GradingSandbox;
  if (layers) {
    const stack = prepared.image
      ? prepared.image.layers
      : [await baseLayerFor(layers.store, input.repo, input.baseCommit)];
    const sandbox = await layers.sandboxes.start({ layers: [...stack] }, spec);
    started = {
      sandbox,
      git: workspaceGit(sandbox.hostWorkspacePath, deps.sandboxes.confinement),
      release: () => sandbox.destroy(),
    };
    if (prepared.image && prepared.image.commit !== input.baseCommit) {
      await checkOut(started.git, input.repo, input.baseCommit).catch(async (error: unknown) => {
        await started.release().catch(() => {});
        throw error;
      });
    }
  } else {
    started = await cloneSandbox(deps, input, plan, prepared, spec, signal);
  }

  const { sandbox, git } = started;
  try {
    // The checks come from the base commit, as the gate's do: the change cannot choose how it is graded.
    const checks = input.testCommand
      ? [testCommandCheck(input.testCommand)]
      : (
          await discoverChecks(sandbox, {
            configured: plan.checks,
            reportPrefix: `/tmp/drydock-${spec.sessionId}-`,
          })
        ).checks.filter((check) => check.kind === 'test');
    if (checks.length === 0) {
      throw new BadInputError(
        'invalid_input',
        'No test check was found at the base commit (no test script, pytest, go or cargo tests): give the task a test_command.',
      );
    }
    await checkOut(git, input.repo, input.commit);
    await applyTestPatch(sandbox, input.testPatch);
    const startEnv = secretsForPhase(plan, 'start', prepared.secrets, input.repo);
    for (const command of plan.start) {
      const result = await sandbox.exec(command, { env: startEnv, timeoutMs: 10 * 60_000, signal });
      if (result.exitCode !== 0) {
        throw new BadInputError(
          'start_failed',
          `The start command \`${command}\` exited with ${result.exitCode ?? result.signal}:\n${prepared.redact(result.output).trimEnd().split('\n').slice(-20).join('\n')}`,
        );
      }
    }
    const outcomes = await runChecks(sandbox, checks, { signal, timeoutMs: GRADING_TIMEOUT_MS });
    if (signal.aborted) throw signal.reason;
    return tallyTests(outcomes, input.failToPass, input.passToPass);
  } finally {
    await started.release().catch(() => {});
  }
}

/** A fresh clone of the base commit, set up as a session's clone is, and a sandbox on it. */
async function cloneSandbox(
  deps: SessionDeps,
  input: GradeInstanceInput,
  plan: EnvironmentPlan,
  prepared: Awaited<ReturnType<typeof prepareEnvironment>>,
  spec: Omit<SandboxSpec, 'workspacePath'>,
  signal: AbortSignal,
): Promise<GradingSandbox> {
  const dir = join(deps.home, 'eval-grading', spec.sessionId);
  const workspacePath = join(dir, 'workspace');
  await mkdir(dir, { recursive: true });
  const remove = () => rm(dir, { recursive: true, force: true }).catch(() => {});
  try {
    await prepareWorkspace(input.repo, input.baseCommit, workspacePath);
    if (plan.setup.length > 0) {
      await runSetupInWorkspace(deps.sandboxes, workspacePath, `${spec.sessionId}-setup`, {
        plan,
        redact: prepared.redact,
        secretEnv: secretsForPhase(plan, 'setup', prepared.secrets, input.repo),
        root: prepared.root,
        signal,
      });
    }
    const sandbox = await deps.sandboxes.create({ ...spec, workspacePath });
    return {
      sandbox,
      git: workspaceGit(workspacePath, deps.sandboxes.confinement),
      async release() {
        await sandbox.destroy().catch(() => {});
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * Checks out `commit` with drydock's hardened, confined git from outside the sandbox, fetching it from
 * the repository when the workspace's clone lacks it; `--force` replaces what setup or an earlier
 * checkout left in the way.
 */
async function checkOut(git: WorkspaceGit, repo: string, commit: string): Promise<void> {
  const present = await git.run(['cat-file', '-e', `${commit}^{commit}`]).then(
    () => true,
    () => false,
  );
  if (!present) {
    await git.run(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', repo, commit], {
      readable: await repositoryDirs(repo),
      timeoutMs: 600_000,
    });
  }
  await git.run(['checkout', '--quiet', '--force', '--detach', commit], { timeoutMs: 600_000 });
  // Written as drydock's user: handed to the sandbox's, like the rest of the tree.
  await handOverWrites(git.workspace);
}

/** The dataset's test command, read like a configured check: per-test results parsed from its output. */
function testCommandCheck(command: string): Check {
  return { name: 'test', kind: 'test', command, source: "the task's test_command" };
}
