import { z } from 'zod';
import { capMessage, joinId, stripAnsi, type TestCase } from '../test-results.ts';

const testSchema = z.object({
  title: z.string(),
  fullTitle: z.string(),
  file: z.string().optional(),
  duration: z.number().optional(),
  err: z.object({ message: z.string().optional(), stack: z.string().optional() }).passthrough().optional(),
});

const reportSchema = z.object({
  stats: z.object({ tests: z.number() }).passthrough(),
  passes: z.array(testSchema),
  pending: z.array(testSchema).default([]),
  failures: z.array(testSchema),
});

/**
 * mocha's `json` reporter (`--reporter=json --reporter-options output=FILE`), or the same report printed
 * on stdout by mochas before 9, which ignore `output` (after whatever the script printed before it; their
 * tests have no `file`). Ids are "file > full
 * title" (mocha joins suite and test titles with spaces). A failing hook is reported among the
 * failures under its own title ('"before each" hook for …'), so it becomes a failed case too.
 */
export function parseMochaJson(text: string): TestCase[] | null {
  const json = parseJson(text) ?? parseJson(printedReport(text));
  if (json === undefined) return null;
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) return null;
  const { passes, pending, failures } = parsed.data;
  const id = (test: z.infer<typeof testSchema>) => joinId([test.file ?? '', test.fullTitle]);
  const duration = (test: z.infer<typeof testSchema>) =>
    typeof test.duration === 'number' ? { durationMs: test.duration } : {};
  return [
    ...passes.map((test): TestCase => ({ id: id(test), status: 'passed', ...duration(test) })),
    ...pending.map((test): TestCase => ({ id: id(test), status: 'skipped' })),
    ...failures.map((test): TestCase => {
      const message = capMessage(stripAnsi(test.err?.stack ?? test.err?.message ?? ''));
      return { id: id(test), status: 'failed', ...duration(test), ...(message ? { message } : {}) };
    }),
  ];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The report mocha printed last, indented JSON from a `{` alone on its line to the end. */
function printedReport(output: string): string {
  const start = output.search(/^\{\s*$/m);
  return start < 0 ? '' : output.slice(start);
}
