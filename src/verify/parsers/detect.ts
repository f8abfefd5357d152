import { type TestCase, type TestRun, toTestRun } from '../test-results.ts';
import { parseGoJson } from './go-json.ts';
import { parseGoTest } from './go-test.ts';
import { parseJest } from './jest.ts';
import { parseJestJson } from './jest-json.ts';
import { parseJunit } from './junit.ts';
import { parseMocha } from './mocha.ts';
import { parseNodeSpec } from './node-spec.ts';
import { parsePytest } from './pytest.ts';
import { parseTap } from './tap.ts';
import { parseVitest } from './vitest.ts';

interface Parser {
  runner: string;
  parse: (output: string) => TestCase[] | null;
}

/** Most specific first: structured formats, then reporters with unmistakable summaries, then TAP. */
const PARSERS: readonly Parser[] = [
  { runner: 'jest', parse: parseJestJson },
  { runner: 'go', parse: parseGoJson },
  { runner: 'junit', parse: parseJunit },
  { runner: 'vitest', parse: parseVitest },
  { runner: 'jest', parse: parseJest },
  { runner: 'pytest', parse: parsePytest },
  { runner: 'go', parse: parseGoTest },
  { runner: 'node-test', parse: parseNodeSpec },
  { runner: 'mocha', parse: parseMocha },
  // node's TAP announces every test with "# Subtest: name".
  { runner: 'node-test', parse: (output) => (/^\s*# Subtest: /m.test(output) ? parseTap(output) : null) },
  { runner: 'tap', parse: parseTap },
];

/** Which runners a command (or a runner's name) points at. */
const HINTS: ReadonlyArray<[RegExp, readonly string[]]> = [
  [/\bvitest\b/, ['vitest', 'junit']],
  [/\bjest\b/, ['jest', 'junit']],
  [/\bmocha\b/, ['mocha', 'tap']],
  [/\bnode\b.*--test\b|\bnode-test\b|\bnode:test\b/, ['node-test', 'tap']],
  [/\b(py\.?test|pytest)\b/, ['pytest', 'junit']],
  [/\bgo test\b|^go$/, ['go']],
  [/\btap\b|\btape\b/, ['tap']],
  [/junit|\.xml\b/, ['junit']],
];

/**
 * Parses a test command's output with the parser its hint (the command, e.g. "npx vitest run", or a
 * runner's name) points at, else with the first parser that recognises the output. A hint that names
 * no runner ("npm test") only means sniffing. Never throws; unrecognised output gives a run with
 * `parsed: false`.
 */
export function detectAndParse(output: string, hint?: string): TestRun {
  const hinted = new Set(
    HINTS.filter(([pattern]) => hint !== undefined && pattern.test(hint)).flatMap(([, runners]) => runners),
  );
  const ordered = [
    ...PARSERS.filter((parser) => hinted.has(parser.runner)),
    ...PARSERS.filter((parser) => !hinted.has(parser.runner)),
  ];
  for (const parser of ordered) {
    const tests = parser.parse(output);
    if (tests !== null) return toTestRun(parser.runner, tests);
  }
  return toTestRun([...hinted][0] ?? 'unknown', null);
}
