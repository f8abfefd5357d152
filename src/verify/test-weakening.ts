import type { FileDiff } from '../core/unified-diff.ts';
import { clipLine, type SoftSignal, softSignal } from './soft-signal.ts';
import { isTestFile } from './test-files.ts';

/**
 * Changes that make a test suite say less: deleted tests, skipped or focused tests, assertions
 * removed. Each is blocking: a change that weakens the tests must explain itself to a person. Pure.
 */
export function findTestWeakening(files: readonly FileDiff[]): SoftSignal[] {
  const signals: SoftSignal[] = [];
  for (const file of files) {
    if (file.change === 'deleted' && isTestFile(file.path)) {
      signals.push(
        softSignal('test_deleted', file.path, undefined, `test file deleted (${file.removed.length} lines)`),
      );
      continue;
    }
    signals.push(...skippedTests(file));
    if (!isTestFile(file.path)) continue;
    signals.push(...deletedTests(file));
    const removed = file.removed.filter((line) => isAssertion(line.text)).length;
    const added = file.added.filter((line) => isAssertion(line.text)).length;
    if (removed > added) {
      const first = file.removed.find((line) => isAssertion(line.text));
      signals.push(
        softSignal(
          'assertions_removed',
          file.path,
          first?.line,
          `${removed} assertion line(s) removed, ${added} added; first removed: ${clipLine(first?.text ?? '')}`,
        ),
      );
    }
  }
  return signals;
}

const TEST_DECLARATION = [
  // it('x'), test.skip('x'), it.each([...])('x'): the same test whatever its modifiers.
  /^\s*[xf]?(?:it|test|specify)(?:\.(?:skip|only|todo|concurrent|failing)|\.each\s*\(.*?\))*\s*\(\s*(['"`])(.*?)\1/,
  /^\s*(?:async\s+)?def (test_\w+)/,
  /^\s*func (Test\w+)\s*\(/,
  /^\s*#\[test\]/,
  /^\s*@Test\b/,
];

/** Test declarations removed and not added back under the same name (a rename counts as kept). */
function deletedTests(file: FileDiff): SoftSignal[] {
  const added = new Map<string, number>();
  for (const line of file.added) {
    const name = declaredTest(line.text);
    if (name !== undefined) added.set(name, (added.get(name) ?? 0) + 1);
  }
  const removed = file.removed.filter((line) => declaredTest(line.text) !== undefined);
  const addedCount = [...added.values()].reduce((sum, count) => sum + count, 0);
  if (removed.length <= addedCount) return [];
  const gone = removed.filter((line) => {
    const name = declaredTest(line.text) ?? '';
    const left = added.get(name) ?? 0;
    if (left > 0) added.set(name, left - 1);
    return left === 0;
  });
  return gone
    .slice(0, removed.length - addedCount)
    .map((line) => softSignal('test_deleted', file.path, line.line, `test removed: ${clipLine(line.text)}`));
}

function declaredTest(text: string): string | undefined {
  for (const pattern of TEST_DECLARATION) {
    const match = pattern.exec(text);
    if (match) return match[2] ?? match[1] ?? match[0].trim();
  }
  return undefined;
}

const SKIPS: ReadonlyArray<[RegExp, string]> = [
  [/\b(?:it|test|describe|context|suite|specify)\.skip(?:If)?\s*\(/, 'skips a test'],
  [/(?:^|[^\w.])x(?:it|describe|test|context|specify)\s*\(/, 'skips a test'],
  [
    /\b(?:it|test|describe|context|suite)\.only\s*\(|(?:^|[^\w.])f(?:it|describe)\s*\(/,
    'focuses one test: the others stop running',
  ],
  [
    /@pytest\.mark\.(?:skip|skipif|xfail)\b|@unittest\.(?:skip|skipIf|skipUnless|expectedFailure)\b/,
    'skips a test',
  ],
  [/\bpytest\.skip\s*\(|\bself\.skipTest\s*\(/, 'skips a test'],
  [/\bt\.Skip(?:f|Now)?\s*\(/, 'skips a test'],
  [/^\s*#\[ignore\b/, 'skips a test'],
  [/@(?:Disabled|Ignore)\b/, 'skips a test'],
];

/** Added lines that skip or focus tests, in any file (a skip can hide in a helper), unless just moved. */
function skippedTests(file: FileDiff): SoftSignal[] {
  const removed = new Set(file.removed.map((line) => line.text.trim()));
  const signals: SoftSignal[] = [];
  for (const line of file.added) {
    if (removed.has(line.text.trim()) || isComment(line.text)) continue;
    const skip = SKIPS.find(([pattern]) => pattern.test(line.text));
    if (skip)
      signals.push(softSignal('test_skipped', file.path, line.line, `${skip[1]}: ${clipLine(line.text)}`));
  }
  return signals;
}

const ASSERTION =
  /\bexpect\s*\(|\bassert\w*\s*[.(]|^\s*assert\b|\bt\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\s*\(|\bself\.assert\w+\s*\(|\bshould\.|\.should\b|\brequire\.\w+\s*\(|\bassert_(?:eq|ne)!\s*\(|\bassert!\s*\(/;

function isAssertion(text: string): boolean {
  return !isComment(text) && ASSERTION.test(text);
}

function isComment(text: string): boolean {
  return /^\s*(\/\/|#(?!\[)|\*|\/\*)/.test(text);
}
