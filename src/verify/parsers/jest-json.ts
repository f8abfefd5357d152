import { z } from 'zod';
import { capMessage, joinId, stripAnsi, type TestCase, type TestStatus } from '../test-results.ts';

const assertionSchema = z.object({
  ancestorTitles: z.array(z.string()).default([]),
  title: z.string(),
  status: z.string(),
  duration: z.number().nullish(),
  failureMessages: z.array(z.string()).default([]),
});

const reportSchema = z.object({
  numTotalTests: z.number(),
  testResults: z.array(
    z.object({
      name: z.string(),
      status: z.string().optional(),
      message: z.string().optional(),
      assertionResults: z.array(assertionSchema).default([]),
    }),
  ),
});

/**
 * `jest --json`. Ids are "file > suite > name" with the file as jest reports it: an absolute path, so
 * pass the run through `relativizeIds` with the workspace root to compare it with text output. A file
 * that failed without running a test ("Test suite failed to run") becomes one failed case.
 */
export function parseJestJson(output: string): TestCase[] | null {
  const report = extractReport(output);
  if (!report) return null;
  const cases: TestCase[] = [];
  for (const file of report.testResults) {
    for (const assertion of file.assertionResults) {
      const status = STATUS[assertion.status] ?? 'skipped';
      const message =
        status === 'failed' ? capMessage(stripAnsi(assertion.failureMessages.join('\n'))) : undefined;
      cases.push({
        id: joinId([file.name, ...assertion.ancestorTitles, assertion.title]),
        status,
        ...(typeof assertion.duration === 'number' ? { durationMs: assertion.duration } : {}),
        ...(message ? { message } : {}),
      });
    }
    if (file.status === 'failed' && !file.assertionResults.some((a) => STATUS[a.status] === 'failed')) {
      const message = capMessage(stripAnsi(file.message ?? ''));
      cases.push({ id: file.name, status: 'failed', ...(message ? { message } : {}) });
    }
  }
  return cases;
}

const STATUS: Record<string, TestStatus> = { passed: 'passed', failed: 'failed' };

/** The JSON report, even with other output (npm's banner, console lines) around it. */
function extractReport(output: string): z.infer<typeof reportSchema> | undefined {
  const start = output.indexOf('{"num');
  const candidates = start >= 0 ? [output.slice(start), output] : [output];
  for (const candidate of candidates) {
    const end = candidate.lastIndexOf('}');
    if (end < 0) continue;
    try {
      const parsed = reportSchema.safeParse(JSON.parse(candidate.slice(0, end + 1)));
      if (parsed.success) return parsed.data;
    } catch {
      // Not JSON: try the next candidate.
    }
  }
  return undefined;
}
