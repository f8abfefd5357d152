import { z } from 'zod';
import { capMessage, joinId, stripAnsi, type TestCase, type TestStatus } from '../test-results.ts';

const resultSchema = z
  .object({
    status: z.string().optional(),
    duration: z.number().optional(),
    error: z
      .object({ message: z.string().optional(), stack: z.string().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

const specSchema = z.object({
  title: z.string(),
  file: z.string().optional(),
  tests: z.array(
    z.object({
      projectName: z.string().optional(),
      status: z.string(),
      results: z.array(resultSchema).default([]),
    }),
  ),
});

interface Suite {
  title: string;
  file?: string | undefined;
  specs?: Array<z.infer<typeof specSchema>> | undefined;
  suites?: Suite[] | undefined;
}

const suiteSchema: z.ZodType<Suite> = z.lazy(() =>
  z.object({
    title: z.string(),
    file: z.string().optional(),
    specs: z.array(specSchema).optional(),
    suites: z.array(suiteSchema).optional(),
  }),
);

const reportSchema = z.object({
  suites: z.array(suiteSchema),
  errors: z.array(z.object({ message: z.string().optional() }).passthrough()).default([]),
  stats: z.object({ expected: z.number() }).passthrough(),
});

/** Playwright's outcome per test: expected and flaky (passed on a retry) pass, unexpected fails. */
const STATUS: Record<string, TestStatus> = {
  expected: 'passed',
  flaky: 'passed',
  unexpected: 'failed',
  skipped: 'skipped',
};

/**
 * Playwright Test's `json` reporter (`PLAYWRIGHT_JSON_OUTPUT_NAME=FILE playwright test
 * --reporter=list,json`). Ids are "file > describe titles > test title", with " [project]" when the
 * config names projects. An error outside any test (a file that does not load) becomes a failed case.
 */
export function parsePlaywrightJson(text: string): TestCase[] | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) return null;
  const cases: TestCase[] = [];
  const walk = (suite: Suite, titles: string[]) => {
    // The top suite is the file: its title is the file's path relative to the test directory.
    const path = titles.length === 0 ? [suite.file ?? suite.title] : [...titles, suite.title];
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        const last = test.results.at(-1);
        const status = STATUS[test.status] ?? 'failed';
        const message =
          status === 'failed'
            ? capMessage(stripAnsi(last?.error?.stack ?? last?.error?.message ?? ''))
            : undefined;
        const project = test.projectName ? ` [${test.projectName}]` : '';
        cases.push({
          id: `${joinId([...path, spec.title])}${project}`,
          status,
          ...(typeof last?.duration === 'number' ? { durationMs: last.duration } : {}),
          ...(message ? { message } : {}),
        });
      }
    }
    for (const child of suite.suites ?? []) walk(child, path);
  };
  for (const suite of parsed.data.suites) walk(suite, []);
  for (const [index, error] of parsed.data.errors.entries()) {
    const message = capMessage(stripAnsi(error.message ?? ''));
    cases.push({ id: `playwright error ${index + 1}`, status: 'failed', ...(message ? { message } : {}) });
  }
  return cases;
}
