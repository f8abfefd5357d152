import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInvalidTaskSet, parseTaskSet, readTaskSet, selectTasks } from './task-set.ts';
import { parseTestNames } from './test-names.ts';

const SHA = 'ABCDEF0123456789abcdef0123456789abcdef01';

/** A SWE-bench row as the dataset ships it: the test lists are strings holding JSON lists. */
function sweBench(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    repo: 'astropy/astropy',
    instance_id: 'astropy__astropy-12907',
    base_commit: SHA,
    patch: 'diff --git a/x b/x\n',
    test_patch: 'diff --git a/t b/t\n',
    problem_statement: 'Modeling separability is wrong for nested models',
    hints_text: '',
    created_at: '2022-03-03T15:14:54Z',
    version: '4.3',
    FAIL_TO_PASS: '["astropy/modeling/tests/test_separable.py::test_separable[compound_model6-result6]"]',
    PASS_TO_PASS: '["astropy/modeling/tests/test_separable.py::test_coord_matrix"]',
    environment_setup_commit: SHA,
    ...overrides,
  };
}

const jsonl = (...rows: unknown[]) => rows.map((row) => JSON.stringify(row)).join('\n');

function errorOf(run: () => unknown): { message: string; details: unknown } {
  try {
    run();
  } catch (error) {
    expect(isInvalidTaskSet(error)).toBe(true);
    const { message, details } = error as { message: string; details: unknown };
    return { message, details };
  }
  throw new Error('expected an invalid_task_set error');
}

describe('parseTaskSet', () => {
  it('reads SWE-bench rows as the dataset ships them, ignoring blank lines and fields it does not use', () => {
    const tasks = parseTaskSet(
      `\n${jsonl(sweBench(), sweBench({ instance_id: 'b-2', hints_text: 'look at _cstack' }))}\n\n`,
      't.jsonl',
    );
    expect(tasks).toEqual([
      {
        instanceId: 'astropy__astropy-12907',
        repo: 'astropy/astropy',
        baseCommit: SHA.toLowerCase(),
        problemStatement: 'Modeling separability is wrong for nested models',
        patch: 'diff --git a/x b/x\n',
        testPatch: 'diff --git a/t b/t\n',
        failToPass: ['astropy/modeling/tests/test_separable.py::test_separable[compound_model6-result6]'],
        passToPass: ['astropy/modeling/tests/test_separable.py::test_coord_matrix'],
        source: 'swe-bench',
      },
      expect.objectContaining({ instanceId: 'b-2', hintsText: 'look at _cstack' }),
    ]);
  });

  it('takes test lists as JSON lists too, PASS_TO_PASS absent as none, and the drydock extensions', () => {
    const [task] = parseTaskSet(
      jsonl(
        sweBench({
          FAIL_TO_PASS: ['a > b'],
          PASS_TO_PASS: undefined,
          setup: ['npm ci'],
          test_command: 'npm test',
        }),
      ),
      't.jsonl',
    );
    expect(task).toMatchObject({
      failToPass: ['a > b'],
      passToPass: [],
      setup: ['npm ci'],
      testCommand: 'npm test',
    });
  });

  it('maps SWE-PolyBench rows: F2P and P2P as Python list literals, its test command', () => {
    const [task] = parseTaskSet(
      jsonl({
        instance_id: 'mui__material-ui-13828',
        repo: 'mui/material-ui',
        base_commit: SHA,
        problem_statement: 'Slider breaks',
        patch: 'diff',
        test_patch: 'diff',
        language: 'JavaScript',
        Dockerfile: 'FROM node:18',
        test_command: 'yarn cross-env NODE_ENV=test mocha packages/x.test.js',
        F2P: "['packages/x.test.js -> <Slider> should render', \"it's \\\\ quoted\"]",
        P2P: '[]',
        modified_nodes: '[]',
      }),
      't.jsonl',
    );
    expect(task).toMatchObject({
      instanceId: 'mui__material-ui-13828',
      failToPass: ['packages/x.test.js -> <Slider> should render', "it's \\ quoted"],
      passToPass: [],
      testCommand: 'yarn cross-env NODE_ENV=test mocha packages/x.test.js',
      source: 'swe-polybench',
    });
  });

  it('maps Multi-SWE-bench rows: the issues are the task, f2p, s2p and n2p are FAIL_TO_PASS', () => {
    const [task] = parseTaskSet(
      jsonl({
        org: 'cli',
        repo: 'cli',
        number: 513,
        state: 'closed',
        title: 'Fix the flag',
        body: 'Fixes #500 (the PR text is not the task)',
        base: { label: 'cli:trunk', ref: 'trunk', sha: SHA },
        resolved_issues: [{ number: 500, title: 'Flag ignored', body: 'Passing --web does nothing.' }],
        fix_patch: 'diff fix',
        test_patch: 'diff test',
        fixed_tests: { TestA: {} },
        f2p_tests: { TestA: { run: 'FAIL', test: 'FAIL', fix: 'PASS' } },
        s2p_tests: { TestSkipped: {} },
        n2p_tests: { TestNew: {}, TestA: {} },
        p2p_tests: { TestOld: {} },
        run_result: {},
      }),
      't.jsonl',
    );
    expect(task).toEqual({
      instanceId: 'cli__cli-513',
      repo: 'cli/cli',
      baseCommit: SHA.toLowerCase(),
      problemStatement: 'Flag ignored\n\nPassing --web does nothing.',
      patch: 'diff fix',
      testPatch: 'diff test',
      failToPass: ['TestA', 'TestSkipped', 'TestNew'],
      passToPass: ['TestOld'],
      source: 'multi-swe-bench',
    });
  });

  it.each([
    [{ instance_id: undefined }, 'line 2: instance_id is missing'],
    [{ instance_id: '../escape' }, 'line 2: instance_id must be 1-200 letters'],
    [{ base_commit: 'main' }, 'line 2: base_commit must be a commit id'],
    [{ base_commit: 42 }, 'line 2: base_commit must be a commit id (hex)'],
    [{ problem_statement: '' }, 'line 2: problem_statement must not be empty'],
    [{ FAIL_TO_PASS: undefined }, 'line 2: FAIL_TO_PASS is missing'],
    [{ FAIL_TO_PASS: '[]' }, 'line 2: FAIL_TO_PASS must name at least one test'],
    [{ FAIL_TO_PASS: 'test_a' }, 'line 2: FAIL_TO_PASS must be a list of test names'],
    [{ PASS_TO_PASS: [1, 2] }, 'line 2: PASS_TO_PASS must be a list of test names'],
    [{ setup: 'npm ci' }, 'line 2: setup must be a list of shell commands'],
  ])('names the file, the line and the field of a bad row: %j', (overrides, message) => {
    const error = errorOf(() =>
      parseTaskSet(jsonl(sweBench({ instance_id: 'ok-1' }), sweBench(overrides)), '/d/t.jsonl'),
    );
    expect(error.message).toContain(`/d/t.jsonl ${message}`);
  });

  it('names nested fields of the other formats, and says which format it read', () => {
    const row = {
      org: 'o',
      repo: 'r',
      number: 1,
      base: { sha: 'nope' },
      resolved_issues: [{ title: 'x' }],
      fix_patch: 'd',
      test_patch: 'd',
      f2p_tests: { A: {} },
    };
    expect(errorOf(() => parseTaskSet(jsonl(row), 't.jsonl')).message).toBe(
      't.jsonl line 1: base.sha must be a commit id (7-64 hex digits) (multi-swe-bench format).',
    );
    const noTests = { ...row, base: { sha: SHA }, f2p_tests: {} };
    expect(errorOf(() => parseTaskSet(jsonl(noTests), 't.jsonl')).message).toContain(
      'line 1: f2p_tests must name at least one test',
    );
  });

  it('never quotes the content of a bad line', () => {
    const secret = `${'x'.repeat(5000)}SECRET`;
    for (const text of [
      `{"instance_id": "${secret}`,
      jsonl(sweBench({ instance_id: secret })),
      jsonl(sweBench({ base_commit: secret })),
    ]) {
      const error = errorOf(() => parseTaskSet(text, 't.jsonl'));
      expect(error.message).not.toContain('SECRET');
      expect(error.message.length).toBeLessThan(300);
    }
  });

  it('refuses a duplicate instance id, naming both lines', () => {
    const error = errorOf(() =>
      parseTaskSet(jsonl(sweBench(), sweBench({ instance_id: 'x' }), sweBench()), 't.jsonl'),
    );
    expect(error.message).toBe(
      't.jsonl line 3: instance_id "astropy__astropy-12907" is on line 1 already: ids must be unique',
    );
    expect(error.details).toEqual({ file: 't.jsonl', line: 3, field: 'instance_id' });
  });

  it('refuses lines that are not JSON objects, and a file with no instance', () => {
    expect(errorOf(() => parseTaskSet('[1, 2]', 't.jsonl')).message).toContain(
      'line 1: is not a JSON object',
    );
    expect(errorOf(() => parseTaskSet('{"a": ', 't.jsonl')).message).toContain('line 1: is not valid JSON');
    expect(errorOf(() => parseTaskSet('\n  \n', 't.jsonl')).message).toContain('holds no instance');
  });
});

describe('readTaskSet', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-task-set-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file (CRLF line ends and a byte order mark too) and names a missing one', async () => {
    const file = join(dir, 'tasks.jsonl');
    await writeFile(
      file,
      `\uFEFF${jsonl(sweBench(), sweBench({ instance_id: 'two' })).replace('\n', '\r\n')}\r\n`,
    );
    expect((await readTaskSet(file)).map((task) => task.instanceId)).toEqual([
      'astropy__astropy-12907',
      'two',
    ]);
    await expect(readTaskSet(join(dir, 'missing.jsonl'))).rejects.toMatchObject({
      code: 'invalid_task_set',
      message: expect.stringContaining('missing.jsonl: no such file'),
    });
    await expect(readTaskSet(dir)).rejects.toMatchObject({
      message: expect.stringContaining('is a directory'),
    });
  });
});

describe('selectTasks', () => {
  const tasks = parseTaskSet(
    jsonl(
      ...['django__django-1', 'django__django-2', 'flask__flask-3', 'django__django-4'].map((id) =>
        sweBench({ instance_id: id }),
      ),
    ),
    't.jsonl',
  );
  const ids = (selection: Parameters<typeof selectTasks>[1]) =>
    selectTasks(tasks, selection).map((task) => task.instanceId);

  it.each([
    [null, null, ['django__django-1', 'django__django-2', 'flask__flask-3', 'django__django-4']],
    [/^django/, null, ['django__django-1', 'django__django-2', 'django__django-4']],
    [/^django/, 2, ['django__django-1', 'django__django-2']],
    [null, 1, ['django__django-1']],
    [/flask/, 5, ['flask__flask-3']],
    [/nothing/, null, []],
    [null, 0, []],
  ])('filter %s then limit %s', (filter, limit, expected) => {
    expect(ids({ filter, limit })).toEqual(expected);
  });

  it('is not thrown off by a global RegExp', () => {
    expect(ids({ filter: /django/g, limit: null })).toHaveLength(3);
  });
});

describe('parseTestNames', () => {
  it.each([
    [
      ['a', 'b'],
      ['a', 'b'],
    ],
    ['["a", "b"]', ['a', 'b']],
    ["['a', 'b']", ['a', 'b']],
    ["[ 'a b[1]' , \"c'd\", ]", ['a b[1]', "c'd"]],
    ["['tab\\there', 'x\\u00e9', 'keep \\\\d']", ['tab\there', 'xé', 'keep \\d']],
    ['[]', []],
    [[1], null],
    ['a, b', null],
    ["['unterminated]", null],
    ["['a' 'b']", null],
    ["['a'] trailing", null],
    [42, null],
  ])('%j', (input, expected) => {
    expect(parseTestNames(input)).toEqual(expected);
  });
});
