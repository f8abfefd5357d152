import { z } from 'zod';
import { capMessage, joinId, type TestCase, type TestStatus } from '../test-results.ts';

const eventSchema = z.object({
  Action: z.string(),
  Package: z.string().optional(),
  Test: z.string().optional(),
  Elapsed: z.number().optional(),
  Output: z.string().optional(),
});

/**
 * `go test -json`: one event per line. Ids match `parseGoTest` ("pkg > TestX/sub"). A test that ran
 * but never ended in a failed package failed (a panic, a timeout). A package that failed with no
 * failing test (a build failure, reported as a non-JSON "FAIL pkg [build failed]" line before Go 1.24
 * and as a package "fail" event after) is one failed case named by the package.
 */
export function parseGoJson(output: string): TestCase[] | null {
  const packages = new Map<string, PackageState>();
  const state = (name: string) => {
    const found = packages.get(name);
    if (found) return found;
    const created: PackageState = { tests: new Map(), output: [] };
    packages.set(name, created);
    return created;
  };
  let events = 0;
  let compilerOutput: string[] = [];
  for (const line of output.split('\n')) {
    const event = parseEvent(line);
    if (!event) {
      const failedBuild = /^FAIL\s+(\S+)\s+\[(?:build|setup) failed\]/.exec(line);
      if (failedBuild?.[1]) {
        const pkg = state(failedBuild[1]);
        pkg.verdict = 'failed';
        pkg.output.push(...compilerOutput);
        compilerOutput = [];
      } else if (line.trim()) compilerOutput.push(`${line}\n`);
      continue;
    }
    events += 1;
    const pkg = state(event.Package ?? '');
    if (event.Test === undefined) {
      if (event.Action === 'output' && event.Output) pkg.output.push(event.Output);
      if (event.Action === 'pass' || event.Action === 'fail' || event.Action === 'skip') {
        pkg.verdict = STATUS[event.Action];
      }
      continue;
    }
    const test = pkg.tests.get(event.Test) ?? { output: [] };
    pkg.tests.set(event.Test, test);
    if (event.Action === 'output' && event.Output && !/^\s*(=== \w+|--- \w+:)/.test(event.Output)) {
      test.output.push(event.Output);
    }
    const status = STATUS[event.Action];
    if (status) {
      test.status = status;
      if (event.Elapsed !== undefined) test.durationMs = event.Elapsed * 1000;
    }
  }
  if (events === 0) return null;
  return [...packages].flatMap(([name, pkg]) => casesOf(name, pkg));
}

interface PackageState {
  tests: Map<string, { status?: TestStatus; durationMs?: number; output: string[] }>;
  output: string[];
  verdict?: TestStatus | undefined;
}

const STATUS: Record<string, TestStatus | undefined> = { pass: 'passed', fail: 'failed', skip: 'skipped' };

function parseEvent(line: string): z.infer<typeof eventSchema> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = eventSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function casesOf(name: string, pkg: PackageState): TestCase[] {
  const cases: TestCase[] = [];
  for (const [test, result] of pkg.tests) {
    // Started and never finished: only a failure if the package failed (else it is still running).
    const status = result.status ?? (pkg.verdict === 'failed' ? 'failed' : undefined);
    if (!status) continue;
    const message = status === 'failed' ? capMessage(result.output.join('')) : undefined;
    cases.push({
      id: joinId([name, test]),
      status,
      ...(result.durationMs === undefined ? {} : { durationMs: result.durationMs }),
      ...(message ? { message } : {}),
    });
  }
  if (pkg.verdict === 'failed' && !cases.some((test) => test.status === 'failed')) {
    const message = capMessage(pkg.output.join(''));
    cases.push({ id: name, status: 'failed', ...(message ? { message } : {}) });
  }
  return cases;
}
