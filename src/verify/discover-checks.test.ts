import { describe, expect, it } from 'vitest';
import { isDrydockError } from '../core/errors.ts';
import type { ExecResult, Sandbox } from '../core/ports/sandbox.ts';
import { discoverChecks } from './discover-checks.ts';

function result(exitCode: number, output: string): ExecResult {
  return { exitCode, signal: null, output, truncated: false, timedOut: false, aborted: false, durationMs: 1 };
}

/** A sandbox whose commands answer from a table (argv joined by spaces) and whose files are a map. */
function fakeSandbox(answers: Record<string, ExecResult>, files: Record<string, string>): Sandbox {
  return {
    exec: async (command: string | readonly string[]) => {
      const key = typeof command === 'string' ? command : command.join(' ');
      return answers[key] ?? result(127, `${key}: not found\n`);
    },
    readFile: async (path: string) => {
      const content = files[path];
      if (content === undefined) throw new Error(`no ${path}`);
      return Buffer.from(content);
    },
  } as unknown as Sandbox;
}

const LS_FILES = 'git -c safe.directory=* ls-files -z';
const PACKAGE_JSON = JSON.stringify({ scripts: { test: 'node --test' } });

describe('discoverChecks', () => {
  it("detects the checks from the repository's files as git lists them", async () => {
    const sandbox = fakeSandbox(
      {
        'node --version': result(0, 'v22.1.0\n'),
        [LS_FILES]: result(0, 'package.json\0index.js\0'),
      },
      { 'package.json': PACKAGE_JSON },
    );
    const found = await discoverChecks(sandbox, { configured: null, reportPrefix: '/tmp/r' });
    expect(found.checks.map((check) => check.name)).toContain('test');
  });

  it('stops with checks_unlisted when the sandbox has no git, instead of finding no checks', async () => {
    const sandbox = fakeSandbox({}, { 'package.json': PACKAGE_JSON });
    const error = await discoverChecks(sandbox, { configured: null, reportPrefix: '/tmp/r' }).catch(
      (caught: unknown) => caught,
    );
    expect(isDrydockError(error) && error.code).toBe('checks_unlisted');
    expect(String(error)).toMatch(/no git.*add git to the image, or declare the checks/s);
  });

  it('runs the declared checks without a file list, and still reads package.json', async () => {
    const sandbox = fakeSandbox({}, { 'package.json': PACKAGE_JSON });
    const found = await discoverChecks(sandbox, {
      configured: [{ name: 'test', command: 'make test' }],
      reportPrefix: '/tmp/r',
    });
    expect(found.checks).toEqual([
      { name: 'test', kind: 'test', command: 'make test', source: '.drydock/config.yaml checks.test' },
    ]);
    expect(found.packageJson).toEqual(JSON.parse(PACKAGE_JSON));
  });
});
