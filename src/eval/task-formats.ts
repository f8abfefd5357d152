import { z } from 'zod';
import { parseTestNames } from './test-names.ts';

/**
 * The JSONL formats a task set may use, one instance per line, and how each maps to an `EvalTask`
 * (docs/eval.md, "Task formats"). Schemas only: task-set.ts reads the file and reports errors.
 */

export const TASK_SOURCES = ['swe-bench', 'multi-swe-bench', 'swe-polybench'] as const;
export type TaskSource = (typeof TASK_SOURCES)[number];

/** One instance of a task set, whatever format it came in. */
export interface EvalTask {
  /** Unique in the set: letters, digits, `.`, `_` and `-` (it names files and branches). */
  instanceId: string;
  /** A local repository path, a `*.bundle` path, or `owner/name` on a forge (instance-repo.ts). */
  repo: string;
  /** The commit the session starts from (lower-case hex). */
  baseCommit: string;
  /** The task the agent is given. */
  problemStatement: string;
  /** The reference fix (a unified diff): what `--model oracle` applies. */
  patch: string;
  /** The hidden tests (a unified diff), applied only when grading. */
  testPatch: string;
  /** Tests the change must make pass, as the runner names them or as `matchTestId` resolves them. */
  failToPass: string[];
  /** Tests that passed before and must still pass. */
  passToPass: string[];
  hintsText?: string;
  /** drydock extension: setup commands, instead of the repository's own (`.drydock/config.yaml`). */
  setup?: string[];
  /** drydock extension: the test command, instead of the one drydock detects. */
  testCommand?: string;
  source: TaskSource;
}

/** A zod error option that says "is missing" for an absent field and `must be …` otherwise. */
function expected(what: string) {
  return {
    error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is missing' : `must be ${what}`),
  };
}

const INSTANCE_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;
const instanceId = z
  .string(expected('a string'))
  .regex(INSTANCE_ID, "must be 1-200 letters, digits, '.', '_' or '-' (not starting with '.')");
const repo = z.string(expected('a string')).trim().min(1, 'must not be empty').max(1000, 'is too long');
const commit = z
  .string(expected('a commit id (hex)'))
  .trim()
  .regex(/^[0-9a-fA-F]{7,64}$/, 'must be a commit id (7-64 hex digits)')
  .transform((sha) => sha.toLowerCase());
const text = z.string(expected('a string')).min(1, 'must not be empty');
const diff = z.string(expected('a string (a unified diff)'));
const optionalText = z
  .string(expected('a string'))
  .nullish()
  .transform((value) => (value ? value : undefined));

function testNames(options: { required: boolean }) {
  return z
    .unknown()
    .optional()
    .transform((value, context): string[] => {
      if (value === undefined && !options.required) return [];
      const names = value === undefined ? null : parseTestNames(value);
      if (names === null) {
        const message =
          value === undefined
            ? 'is missing'
            : 'must be a list of test names (a JSON list, or a string holding one)';
        context.issues.push({ code: 'custom', input: value, message });
        return z.NEVER;
      }
      if (options.required && names.length === 0) {
        context.issues.push({ code: 'custom', input: value, message: 'must name at least one test' });
        return z.NEVER;
      }
      return names;
    });
}

const extensions = {
  setup: z
    .array(z.string().min(1, 'must not hold an empty command'), expected('a list of shell commands'))
    .optional(),
  test_command: z.string(expected('a string')).trim().min(1, 'must not be empty').optional(),
};

/** The fields SWE-bench and SWE-PolyBench share (they name the test lists differently). */
const sharedFields = {
  instance_id: instanceId,
  repo,
  base_commit: commit,
  problem_statement: text,
  patch: text,
  test_patch: diff,
  hints_text: optionalText,
  ...extensions,
};

/** The fields SWE-bench and SWE-PolyBench share, as an EvalTask. Pure. */
function sweBenchTask(
  row: {
    instance_id: string;
    repo: string;
    base_commit: string;
    problem_statement: string;
    patch: string;
    test_patch: string;
    hints_text?: string | undefined;
    setup?: string[] | undefined;
    test_command?: string | undefined;
  },
  failToPass: string[],
  passToPass: string[],
  source: TaskSource,
): EvalTask {
  return {
    instanceId: row.instance_id,
    repo: row.repo,
    baseCommit: row.base_commit,
    problemStatement: row.problem_statement,
    patch: row.patch,
    testPatch: row.test_patch,
    failToPass,
    passToPass,
    ...(row.hints_text ? { hintsText: row.hints_text } : {}),
    ...(row.setup ? { setup: row.setup } : {}),
    ...(row.test_command ? { testCommand: row.test_command } : {}),
    source,
  };
}

/** SWE-bench (and SWE-bench Verified, Lite, Multilingual) with drydock's optional `setup`, `test_command`. */
export const sweBenchInstance = z
  .object({
    ...sharedFields,
    FAIL_TO_PASS: testNames({ required: true }),
    PASS_TO_PASS: testNames({ required: false }),
  })
  .transform((row) => sweBenchTask(row, row.FAIL_TO_PASS, row.PASS_TO_PASS, 'swe-bench'));

/** SWE-PolyBench: SWE-bench's fields, with F2P and P2P (Python list literals) and its test command. */
export const swePolyBenchInstance = z
  .object({
    ...sharedFields,
    F2P: testNames({ required: true }),
    P2P: testNames({ required: false }),
  })
  .transform((row) => sweBenchTask(row, row.F2P, row.P2P, 'swe-polybench'));

const testMap = z.record(z.string(), z.unknown(), expected('an object keyed by test name')).optional();
const ownerOrName = z
  .string(expected('a string'))
  .regex(/^[\w-][\w.-]*$/, 'must be a GitHub owner or repository name');

/**
 * Multi-SWE-bench: a pull request (`org`, `repo`, `number`, `base.sha`, `fix_patch`, `test_patch`), the
 * issues it resolves (the problem statement), and its tests by how they changed: f2p, s2p (skipped) and
 * n2p (new) are the FAIL_TO_PASS tests, p2p the PASS_TO_PASS ones.
 */
export const multiSweBenchInstance = z
  .object({
    instance_id: instanceId.optional(),
    org: ownerOrName,
    repo: ownerOrName,
    number: z.union(
      [z.number().int().nonnegative(), z.string().regex(/^\d+$/)],
      expected('a pull request number'),
    ),
    base: z.object({ sha: commit }, expected('an object with the base commit (sha)')),
    resolved_issues: z
      .array(
        z.object(
          { title: z.string().nullish(), body: z.string().nullish() },
          expected('an issue (title, body)'),
        ),
        expected('a list of issues'),
      )
      .min(1, 'must name at least one issue (its text is the task)'),
    fix_patch: text,
    test_patch: diff,
    f2p_tests: testMap,
    s2p_tests: testMap,
    n2p_tests: testMap,
    p2p_tests: testMap,
    ...extensions,
  })
  .transform((row, context): EvalTask => {
    const statement = row.resolved_issues
      .map((issue) => [issue.title, issue.body].filter(Boolean).join('\n\n').trim())
      .filter((issue) => issue !== '')
      .join('\n\n');
    if (statement === '') {
      context.issues.push({
        code: 'custom',
        input: row.resolved_issues,
        path: ['resolved_issues'],
        message: 'have no title or body: the task would be empty',
      });
      return z.NEVER;
    }
    const failToPass = [
      ...new Set([row.f2p_tests, row.s2p_tests, row.n2p_tests].flatMap((tests) => Object.keys(tests ?? {}))),
    ];
    if (failToPass.length === 0) {
      context.issues.push({
        code: 'custom',
        input: row.f2p_tests,
        path: ['f2p_tests'],
        message: 'must name at least one test (with s2p_tests and n2p_tests)',
      });
      return z.NEVER;
    }
    return {
      instanceId: row.instance_id ?? `${row.org}__${row.repo}-${row.number}`,
      repo: `${row.org}/${row.repo}`,
      baseCommit: row.base.sha,
      problemStatement: statement,
      patch: row.fix_patch,
      testPatch: row.test_patch,
      failToPass,
      passToPass: Object.keys(row.p2p_tests ?? {}),
      ...(row.setup ? { setup: row.setup } : {}),
      ...(row.test_command ? { testCommand: row.test_command } : {}),
      source: 'multi-swe-bench',
    };
  });

/** Which format a line's object is in, from the fields only that format has. Pure. */
export function detectTaskFormat(row: Record<string, unknown>): TaskSource {
  if ('fix_patch' in row && 'org' in row) return 'multi-swe-bench';
  if (('F2P' in row || 'P2P' in row) && !('FAIL_TO_PASS' in row)) return 'swe-polybench';
  return 'swe-bench';
}

export const TASK_SCHEMAS = {
  'swe-bench': sweBenchInstance,
  'multi-swe-bench': multiSweBenchInstance,
  'swe-polybench': swePolyBenchInstance,
} as const;
