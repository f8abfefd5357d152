import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTool } from '../src/agent/run-tool.ts';
import { createCodingTools } from '../src/agent/tools/index.ts';
import type { Sandbox } from '../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { giveToSandbox } from './support/sandbox-owner.ts';

/** Each coder tool, run the way the loop runs it (validation, truncation), against a real bubblewrap sandbox. */
describe('coder tools in a bubblewrap sandbox', () => {
  let dir: string;
  let sandbox: Sandbox;
  const tools = createCodingTools();
  const call = (name: string, input: unknown) =>
    runTool(tools, name, input, { sandbox, signal: new AbortController().signal });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-tools-'));
    await mkdir(join(dir, 'src'));
    await writeFile(
      join(dir, 'src', 'a.ts'),
      'export const a = 1;\nexport const b = 2;\nexport const a2 = 1;\n',
    );
    await writeFile(join(dir, 'src', 'dup.txt'), 'same\nother\nsame\n');
    await writeFile(join(dir, '.gitignore'), 'ignored.log\nbuild/\n');
    await writeFile(join(dir, 'ignored.log'), 'needle in an ignored file\n');
    await writeFile(join(dir, 'README.md'), '# needle\n');
    await writeFile(join(dir, 'blob.bin'), Buffer.from([0, 1, 2, 3]));
    execFileSync('git', ['init', '--quiet'], { cwd: dir });
    execFileSync('git', ['add', 'src', '.gitignore'], { cwd: dir });
    await giveToSandbox(dir);
    sandbox = await createBubblewrapProvider().create({
      sessionId: 'tools',
      workspacePath: dir,
      readOnlyPaths: ['.git'],
    });
  });

  afterAll(async () => {
    await sandbox.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('read_file returns numbered lines, a range, and clear errors', async () => {
    const whole = await call('read_file', { path: 'src/a.ts' });
    expect(whole.isError).toBe(false);
    expect(whole.output).toBe('1| export const a = 1;\n2| export const b = 2;\n3| export const a2 = 1;');
    const part = await call('read_file', { path: '/workspace/src/a.ts', startLine: 2, endLine: 2 });
    expect(part.output).toContain('2| export const b = 2;\n[lines 3-3 not shown');
    expect((await call('read_file', { path: 'nope.ts' })).output).toContain('No file at "nope.ts"');
    expect((await call('read_file', { path: 'src' })).output).toContain('is a directory');
    expect((await call('read_file', { path: 'blob.bin' })).output).toContain('binary file');
    expect((await call('read_file', { path: 'src/a.ts', startLine: 0 })).output).toContain('startLine');
  });

  it('write_file creates parents and says whether it replaced a file', async () => {
    expect((await call('write_file', { path: 'new/deep/file.txt', content: 'x\ny\n' })).output).toBe(
      'Created new/deep/file.txt (3 lines).',
    );
    expect((await call('write_file', { path: 'new/deep/file.txt', content: 'z' })).output).toContain(
      'Replaced',
    );
    expect((await sandbox.readFile('new/deep/file.txt')).toString()).toBe('z');
  });

  it('edit_file replaces exactly one match, and explains zero or several', async () => {
    const edited = await call('edit_file', {
      path: 'src/a.ts',
      oldText: 'const b = 2',
      newText: 'const b = 3',
    });
    expect(edited).toMatchObject({ isError: false, output: 'Edited src/a.ts at line 2.' });
    expect((await sandbox.readFile('src/a.ts')).toString()).toContain('const b = 3');
    const none = await call('edit_file', { path: 'src/a.ts', oldText: 'const c', newText: '' });
    expect(none).toMatchObject({ isError: true, output: expect.stringContaining('not found') });
    const many = await call('edit_file', { path: 'src/dup.txt', oldText: 'same', newText: 'x' });
    expect(many).toMatchObject({
      isError: true,
      output: expect.stringContaining('matches 2 times in src/dup.txt (at lines 1, 3)'),
    });
    const empty = await call('edit_file', { path: 'src/a.ts', oldText: '', newText: 'x' });
    expect(empty.output).toContain('oldText must not be empty');
  });

  it('list_files respects .gitignore and filters by glob', async () => {
    const all = await call('list_files', {});
    expect(all.output.split('\n')).toEqual(expect.arrayContaining(['src/a.ts', 'README.md', '.gitignore']));
    expect(all.output).not.toContain('ignored.log');
    expect((await call('list_files', { pattern: '*.ts' })).output).toBe('src/a.ts');
    expect((await call('list_files', { pattern: '*.py' })).output).toBe('No files match "*.py".');
  });

  it('search finds regex matches with file and line, respecting .gitignore', async () => {
    const found = await call('search', { pattern: 'needle' });
    expect(found.output).toBe('README.md:1:# needle');
    expect((await call('search', { pattern: 'const \\w2', path: 'src' })).output).toBe(
      'src/a.ts:3:export const a2 = 1;',
    );
    expect((await call('search', { pattern: 'absent-text' })).output).toContain('No matches');
    expect((await call('search', { pattern: '([' })).isError).toBe(true);
  });

  it('bash returns output and exit code, and kills the whole tree on timeout', async () => {
    const ok = await call('bash', { command: 'echo hello; echo oops >&2; exit 3' });
    expect(ok).toMatchObject({ isError: true, summary: 'exit code 3' });
    expect(ok.output).toContain('hello');
    expect(ok.output).toContain('oops');
    const slow = await call('bash', {
      command: '(sleep 30; echo late > late.txt) & sleep 30',
      timeoutMs: 300,
    });
    expect(slow.summary).toContain('timed out');
    expect(await sandbox.stat('late.txt')).toBeNull();
    const big = await call('bash', { command: 'head -c 100000 /dev/zero | tr "\\0" a' });
    expect(big.output.length).toBeLessThan(35_000);
    expect(big.fullOutput?.length).toBeGreaterThanOrEqual(100_000);
  });

  it('rejects paths outside the workspace in every path tool', async () => {
    for (const [name, input] of [
      ['read_file', { path: '../outside' }],
      ['write_file', { path: '/etc/evil', content: 'x' }],
      ['edit_file', { path: '../../x', oldText: 'a', newText: 'b' }],
      ['search', { pattern: 'x', path: '/tmp' }],
    ] as const) {
      const result = await call(name, input);
      expect(result, name).toMatchObject({
        isError: true,
        output: expect.stringContaining('outside the workspace'),
      });
    }
  });

  it('apply_patch writes through the sandbox, sets modes, and never follows a symlink out of the workspace', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'drydock-tools-outside-'));
    try {
      await writeFile(join(outside, 'target.txt'), 'host file\n');
      await symlink(join(outside, 'target.txt'), join(dir, 'link.txt'));
      await symlink(outside, join(dir, 'linkdir'));
      const through = (path: string) =>
        [`--- a/${path}`, `+++ b/${path}`, '@@ -1 +1 @@', '-host file', '+changed', ''].join('\n');
      for (const path of ['link.txt', 'linkdir/target.txt']) {
        const refused = await call('apply_patch', { patch: through(path) });
        expect(refused, path).toMatchObject({
          isError: true,
          output: expect.stringContaining('symbolic link'),
        });
      }
      const created = ['--- /dev/null', '+++ b/linkdir/new.txt', '@@ -0,0 +1 @@', '+x', ''].join('\n');
      expect((await call('apply_patch', { patch: created })).output).toContain('symbolic link');
      expect(await readFile(join(outside, 'target.txt'), 'utf8')).toBe('host file\n');
      expect(await readdir(outside)).toEqual(['target.txt']);

      const script = [
        'diff --git a/bin/run.sh b/bin/run.sh',
        'new file mode 100755',
        '--- /dev/null',
        '+++ b/bin/run.sh',
        '@@ -0,0 +1,2 @@',
        '+#!/bin/sh',
        '+echo ran',
        '',
      ].join('\n');
      expect((await call('apply_patch', { patch: script })).isError).toBe(false);
      expect((await call('bash', { command: './bin/run.sh' })).output).toContain('ran');
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('finish and give_up end the run with the summary or reason', async () => {
    expect((await call('finish', { summary: 'did it' })).stop).toEqual({
      kind: 'finished',
      summary: 'did it',
    });
    expect((await call('give_up', { reason: 'cannot' })).stop).toEqual({ kind: 'gave_up', reason: 'cannot' });
    expect((await call('finish', {})).output).toContain('summary');
  });
});
