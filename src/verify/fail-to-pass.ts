import type { TestRun } from './test-results.ts';

const ABOUT_FAILING_TESTS = /\b(fail(s|ed|ing|ure|ures)?|broken|red)\b|\btests?\b.*\bpass/i;

/**
 * Whether a task asks for failing tests to pass ("fix the failing test", "make the tests pass", "the
 * build is broken"), rather than merely mentioning tests ("add a test for parse"). Pure.
 */
export function isAboutFailingTests(task: string): boolean {
  return ABOUT_FAILING_TESTS.test(task);
}

/**
 * FAIL_TO_PASS: the tests the change must make pass. Tests the task names (by their name), and, when
 * the task is about failing tests, every test that failed on the base commit. Pre-existing failures a
 * task does not mention are not blamed on the change. Pure.
 */
export function selectFailToPass(task: string, baseline: TestRun): string[] {
  const failing = baseline.tests.filter((test) => test.status === 'failed').map((test) => test.id);
  const lower = task.toLowerCase();
  const named = baseline.tests
    .filter((test) => {
      const name =
        test.id
          .split(/ > |::|\//)
          .at(-1)
          ?.trim()
          .toLowerCase() ?? '';
      return name.length >= 4 && lower.includes(name);
    })
    .map((test) => test.id);
  const selected = new Set(named);
  if (isAboutFailingTests(task)) for (const id of failing) selected.add(id);
  return [...selected];
}
