import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ExecResult, Sandbox } from '../core/ports/sandbox.ts';
import { detectChecks } from './checks.ts';
import { runChecks } from './run-checks.ts';

/** A sandbox whose command prints `output` and writes no file. */
function printingSandbox(output: string): Sandbox {
  const result: ExecResult = {
    exitCode: 0,
    signal: null,
    output,
    truncated: false,
    timedOut: false,
    aborted: false,
    durationMs: 5,
  };
  return {
    id: 's1',
    workdir: '/workspace',
    exec: async () => result,
    readFile: async (path) => {
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    },
    writeFile: async () => {},
    stat: async () => null,
    listDir: async () => [],
    destroy: async () => {},
  };
}

describe('runChecks', () => {
  // file-uri-to-path 1.0.0 runs mocha 3.5.3, whose json reporter ignores `output` and prints the report.
  const printed = readFileSync(
    new URL('parsers/fixtures/mocha3-printed-report.txt', import.meta.url),
    'utf8',
  );
  const [check] = detectChecks({
    files: ['package.json'],
    packageJson: { scripts: { test: 'mocha --reporter spec' } },
    reportPrefix: '/tmp/s1-',
  });

  it('builds a mocha call every mocha takes (3 had no --reporter-option)', () => {
    expect(check?.command).toBe(
      'export PATH="$PWD/node_modules/.bin:$PATH" && mocha --reporter=json --reporter-options output=/tmp/s1-test-report.json',
    );
  });

  it('reads the report an older mocha printed when it wrote no file', async () => {
    const [outcome] = await runChecks(printingSandbox(printed), [check!], {
      signal: new AbortController().signal,
    });
    expect(outcome?.testsUnreadable).toBeUndefined();
    expect(outcome?.tests?.summary).toEqual({ passed: 11, failed: 0, skipped: 0 });
    expect(outcome?.tests?.tests[0]?.id).toBe(
      'file-uri-to-path should convert "file://host/path" to "//host/path"',
    );
  });

  it('a runner that should have written its report and printed none is still unknown', async () => {
    const [outcome] = await runChecks(printingSandbox('Error: Cannot find module'), [check!], {
      signal: new AbortController().signal,
    });
    expect(outcome?.tests?.parsed).toBe(false);
    expect(outcome?.testsUnreadable).toMatch(/not a mocha-json report|was not written/);
  });
});
