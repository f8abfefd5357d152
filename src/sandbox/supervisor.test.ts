import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { truncationMarker } from '../core/truncate.ts';
import { createOutputCapture, withOomScoreAdj } from './supervisor.ts';

const run = promisify(execFile);

function capture(maxBytes: number, chunks: string[]): { output: string; truncated: boolean } {
  const output = createOutputCapture(maxBytes);
  for (const chunk of chunks) output.push(chunk);
  return output.finish();
}

describe('createOutputCapture', () => {
  it('keeps everything up to the limit', () => {
    expect(capture(10, ['abc', 'defg', 'hij'])).toEqual({ output: 'abcdefghij', truncated: false });
    expect(capture(10, [])).toEqual({ output: '', truncated: false });
  });

  it('keeps the head and the tail across many chunks, noting what was dropped', () => {
    const chunks = Array.from({ length: 100 }, (_, i) => `${String(i).padStart(2, '0')}|`);
    expect(capture(12, chunks)).toEqual({
      output: '00|01|\n[… 288 bytes truncated …]\n98|99|',
      truncated: true,
    });
  });

  it('cuts on character boundaries, never inside a multi-byte character', () => {
    // Each ✓ is three bytes: a 4-byte head keeps one, a 4-byte tail keeps one.
    const result = capture(8, ['✓✓✓✓✓']);
    expect(result.output).toBe('✓\n[… 9 bytes truncated …]\n✓');
    expect(result.truncated).toBe(true);
  });

  it("writes core's truncation marker, which it cannot import", () => {
    expect(capture(2, ['abcdef']).output).toBe(`a\n${truncationMarker(4, 'bytes')}\nf`);
  });

  it('keeps nothing but the note at a limit of zero', () => {
    expect(capture(0, ['abc'])).toEqual({ output: '\n[… 3 bytes truncated …]\n', truncated: true });
  });
});

describe('withOomScoreAdj', () => {
  it('sets the adjustment before the program runs', async () => {
    const [file, args] = withOomScoreAdj(1000, ['cat', '/proc/self/oom_score_adj'], {});
    expect((await run(file, args)).stdout).toBe('1000\n');
  });

  it('leaves the environment as it was: no PWD of its own', async () => {
    const [file, args] = withOomScoreAdj(1000, ['env'], { ONLY: 'this' });
    expect((await run(file, args, { env: { ONLY: 'this' } })).stdout).toBe('ONLY=this\n');
  });

  it('keeps PWD when the command was given one', async () => {
    const [file, args] = withOomScoreAdj(500, ['printenv', 'PWD'], { PWD: '/tmp' });
    expect((await run(file, args, { cwd: '/tmp', env: { PWD: '/tmp' } })).stdout).toBe('/tmp\n');
  });

  // An image's /bin/sh may be busybox, whose ash exports SHLVL to what it runs.
  it.skipIf(!existsSync('/bin/busybox'))(
    "leaves no SHLVL of busybox's shell, but keeps one given",
    async () => {
      const env = { ONLY: 'this', PATH: '/usr/bin:/bin' };
      const [, bare] = withOomScoreAdj(1000, ['env'], env);
      const lines = (await run('/bin/busybox', ['sh', ...bare], { env })).stdout.trim().split('\n');
      expect(lines.sort()).toEqual(['ONLY=this', 'PATH=/usr/bin:/bin']);
      const [, given] = withOomScoreAdj(1000, ['printenv', 'SHLVL'], { SHLVL: '7' });
      // ash counts itself in, as any shell the command ran from would.
      expect((await run('/bin/busybox', ['sh', ...given], { env: { SHLVL: '7' } })).stdout).toMatch(
        /^[78]\n$/,
      );
    },
  );

  it('passes arguments through without a shell seeing them', async () => {
    const [file, args] = withOomScoreAdj(0, ['printf', '%s|', 'a b', '$HOME', '*'], {});
    expect((await run(file, args)).stdout).toBe('a b|$HOME|*|');
  });
});
