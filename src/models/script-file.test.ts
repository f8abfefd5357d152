import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { loadScript, parseScript, turnsForRole } from './script-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'drydock-script-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;

function writeScript(content: string): string {
  const path = join(dir, `script-${++fileCount}.json`);
  writeFileSync(path, content);
  return path;
}

function errorOf(action: () => unknown): BadInputError {
  try {
    action();
  } catch (error) {
    if (error instanceof BadInputError) return error;
    throw error;
  }
  throw new Error('expected a BadInputError');
}

describe('loadScript', () => {
  it('loads an array of turns, used by every role', () => {
    const path = writeScript(
      JSON.stringify([{ text: 'hi' }, { toolCalls: [{ name: 'bash', input: { cmd: 'ls' } }] }]),
    );
    const script = loadScript(path);
    expect(turnsForRole(script, 'reviewer')).toEqual([
      { text: 'hi' },
      { toolCalls: [{ name: 'bash', input: { cmd: 'ls' } }] },
    ]);
  });

  it('loads a script keyed by role; missing roles get no turns', () => {
    const path = writeScript(JSON.stringify({ coder: [{ text: 'c' }], reviewer: [{ text: 'r' }] }));
    const script = loadScript(path);
    expect(turnsForRole(script, 'coder')).toEqual([{ text: 'c' }]);
    expect(turnsForRole(script, 'reviewer')).toEqual([{ text: 'r' }]);
    expect(turnsForRole(script, 'friend')).toEqual([]);
  });

  it('names a missing file', () => {
    const path = join(tmpdir(), 'drydock-no-such-script.json');
    const error = errorOf(() => loadScript(path));
    expect(error.code).toBe('invalid_script');
    expect(error.message).toBe(`Script ${path} is invalid: cannot read the file (ENOENT).`);
  });

  it('names invalid JSON by where it breaks, not by its bytes', () => {
    const path = writeScript('[{"text": "hi",]');
    const error = errorOf(() => loadScript(path));
    expect(error.code).toBe('invalid_script');
    expect(error.message).toBe(`Script ${path} is invalid: not valid JSON (line 1, column 16).`);
  });

  it("never shows a file's content when it is not a script", () => {
    const lines = [
      'root:x:0:0:root:/root:/bin/bash',
      'daemon:*:19000:0:99999:7:::',
      'api_key=sk-live-0123456789',
    ];
    for (const content of [lines.join('\n'), `{"coder": "${lines[0]}"}`, `["${lines[2]}"]`]) {
      const path = writeScript(content);
      const error = errorOf(() => loadScript(path, 'secrets.json'));
      expect(error.code).toBe('invalid_script');
      expect(error.message).toMatch(/^Script secrets.json is invalid: /);
      const told = `${error.message} ${JSON.stringify(error.details)} ${String(error.cause)}`;
      for (const line of lines) {
        for (const part of line.split(/[:=]/).filter((p) => p.length > 3)) expect(told).not.toContain(part);
      }
    }
  });

  it('names unknown keys only when they look like a misspelt field', () => {
    const long = `sk_live_${'a'.repeat(40)}`;
    const error = errorOf(() => parseScript({ coder: [{ [long]: 1 }] }, 'inline'));
    expect(error.message).toBe('Script inline is invalid: coder[0]: an unknown key');
    expect(error.message).not.toContain(long);
  });

  it.each([
    [
      { coder: [{}, {}, { toolCalls: [{ name: 3, input: {} }] }] },
      'coder[2].toolCalls[0].name: expected string, received number',
    ],
    [[{ toolCalls: [{ name: 'bash' }] }], '[0].toolCalls[0].input: expected object, received undefined'],
    [
      [{ toolCalls: [{ name: 'bash', input: ['ls'] }] }],
      '[0].toolCalls[0].input: expected object, received array',
    ],
    [{ coder: [{ toolcalls: [] }] }, 'coder[0]: unknown key "toolcalls"'],
    [
      { reviwer: [] },
      '(top level): unknown key "reviwer" (roles: coder, reviewer, manager, friend, summarizer, judge)',
    ],
    [{ coder: 'hello' }, 'coder: expected array, received string'],
    [
      'hello',
      'expected an array of turns or an object keyed by role (coder, reviewer, manager, friend, summarizer, judge)',
    ],
    [null, 'expected an array of turns or an object keyed by role'],
  ])('rejects the wrong shape %j with the path', (data, problem) => {
    const path = writeScript(JSON.stringify(data));
    const error = errorOf(() => loadScript(path));
    expect(error.code).toBe('invalid_script');
    expect(error.message).toContain(`Script ${path} is invalid: ${problem}`);
  });

  it('counts further problems', () => {
    const error = errorOf(() => parseScript([{ text: 1 }, { text: 2 }], 'inline'));
    expect(error.message).toBe(
      'Script inline is invalid: [0].text: expected string, received number (and 1 more)',
    );
  });
});
