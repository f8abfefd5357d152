import { describe, expect, it } from 'vitest';
import { createMemorySandbox } from '../../../test/fakes/memory-sandbox.ts';
import { createRedactor } from '../../environments/redactor.ts';
import { runTool } from '../run-tool.ts';
import { createCodingTools } from './index.ts';

/** A memory sandbox whose `rm` and `chmod` act on its files, as a shell would; `failWrite` breaks one path. */
function sandboxWith(files: Record<string, string>, failWrite?: string) {
  const modes = new Map<string, string>();
  const sandbox = createMemorySandbox(files, (command) => {
    const argv = typeof command === 'string' ? [command] : command;
    const path = argv.at(-1) ?? '';
    if (argv[0] === 'rm') sandbox.files.delete(path);
    else if (argv[0] === 'chmod') modes.set(path, argv[1] ?? '');
    else return { exitCode: 127, output: `unexpected command ${argv.join(' ')}` };
    return {};
  });
  if (failWrite !== undefined) {
    const write = sandbox.writeFile.bind(sandbox);
    sandbox.writeFile = async (path, content) => {
      if (path === failWrite) throw new Error('No space left on device');
      await write(path, content);
    };
  }
  return Object.assign(sandbox, { modes });
}

const tools = createCodingTools();
const apply = (
  sandbox: ReturnType<typeof sandboxWith>,
  patch: string,
  redact?: ReturnType<typeof createRedactor>,
) =>
  runTool(
    tools,
    'apply_patch',
    { patch },
    {
      sandbox,
      signal: new AbortController().signal,
      ...(redact ? { redact } : {}),
    },
  );

const text = (sandbox: ReturnType<typeof sandboxWith>) =>
  Object.fromEntries([...sandbox.files].map(([path, content]) => [path, content.toString()]));

const MULTI = [
  'diff --git a/src/a.ts b/src/a.ts',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '@@ -1,3 +1,3 @@',
  ' export const a = 1;',
  '-export const b = 2;',
  '+export const b = 3;',
  ' export const c = 4;',
  'diff --git a/test/a.test.ts b/test/a.test.ts',
  'new file mode 100755',
  '--- /dev/null',
  '+++ b/test/a.test.ts',
  '@@ -0,0 +1 @@',
  "+test('b', () => expect(b).toBe(3));",
  'diff --git a/old.md b/old.md',
  'deleted file mode 100644',
  '--- a/old.md',
  '+++ /dev/null',
  '@@ -1 +0,0 @@',
  '-# old',
  'diff --git a/docs/x.md b/docs/y.md',
  'similarity index 100%',
  'rename from docs/x.md',
  'rename to docs/y.md',
  '',
].join('\n');

describe('apply_patch', () => {
  it('changes, creates, deletes and renames files in one call, and lists what it did', async () => {
    const sandbox = sandboxWith({
      'src/a.ts': 'export const a = 1;\nexport const b = 2;\nexport const c = 4;\n',
      'old.md': '# old\n',
      'docs/x.md': '# x\n',
    });
    const result = await apply(sandbox, MULTI);
    expect(result.isError).toBe(false);
    expect(text(sandbox)).toEqual({
      'src/a.ts': 'export const a = 1;\nexport const b = 3;\nexport const c = 4;\n',
      'test/a.test.ts': "test('b', () => expect(b).toBe(3));\n",
      'docs/y.md': '# x\n',
    });
    expect(sandbox.modes.get('test/a.test.ts')).toBe('+x');
    expect(result.output).toBe(
      [
        'Applied the patch:',
        'M src/a.ts (3 lines)',
        'A test/a.test.ts (1 lines, executable)',
        'D old.md',
        'A docs/y.md (1 lines)',
        'D docs/x.md',
      ].join('\n'),
    );
    expect(result.summary).toBe('patched 5 files: src/a.ts, test/a.test.ts, old.md, …');
  });

  it('writes nothing when a hunk of a later file does not apply, and shows what the file has', async () => {
    const files = {
      'src/a.ts': 'export const a = 1;\nexport const b = 2;\nexport const c = 4;\n',
      'old.md': '# old\n',
      'docs/x.md': '# x\n',
    };
    const sandbox = sandboxWith(files);
    const broken = MULTI.replace('-# old', '-# older');
    const result = await apply(sandbox, broken);
    expect(result.isError).toBe(true);
    expect(result.output).toContain(
      "the patch does not apply to old.md: hunk 1 of 1 (@@ -1,1 +0,0 @@) does not match the file's lines.",
    );
    expect(result.output).toContain('  1 | # older');
    expect(result.output).toContain('None of them is in old.md as written; it has at line 1');
    expect(result.output).toContain('≠ 1 | # old');
    expect(result.output).toMatch(/Nothing was written\.$/);
    expect(text(sandbox)).toEqual(files);
    expect(sandbox.commands).toEqual([]);
  });

  it('accepts hunk headers with wrong counts or no numbers, as models write them', async () => {
    const sandbox = sandboxWith({ 'a.py': 'def f():\n    return 1\n\n\ndef g():\n    return 2\n' });
    const patch = ['--- a.py', '+++ a.py', '@@', ' def g():', '-    return 2', '+    return 3', ''].join(
      '\n',
    );
    expect((await apply(sandbox, patch)).isError).toBe(false);
    expect(text(sandbox)['a.py']).toBe('def f():\n    return 1\n\n\ndef g():\n    return 3\n');
  });

  it('takes absolute paths in the workspace and refuses paths out of it', async () => {
    const sandbox = sandboxWith({ 'a.txt': 'a\n' });
    const inside = ['--- /workspace/a.txt', '+++ /workspace/a.txt', '@@ -1 +1 @@', '-a', '+b', ''].join('\n');
    expect((await apply(sandbox, inside)).isError).toBe(false);
    expect(text(sandbox)['a.txt']).toBe('b\n');
    const outside = ['--- a/../../etc/hosts', '+++ b/../../etc/hosts', '@@ -1 +1 @@', '-a', '+b', ''].join(
      '\n',
    );
    const refused = await apply(sandbox, outside);
    expect(refused).toMatchObject({ isError: true });
    expect(refused.output).toContain('outside the repository');
  });

  it('puts back what it wrote when a later write fails', async () => {
    const sandbox = sandboxWith(
      {
        'src/a.ts': 'export const a = 1;\nexport const b = 2;\nexport const c = 4;\n',
        'old.md': '# old\n',
        'docs/x.md': '# x\n',
      },
      'docs/y.md',
    );
    const before = text(sandbox);
    const result = await apply(sandbox, MULTI);
    expect(result.isError).toBe(true);
    expect(result.output).toContain(
      'failed at docs/y.md, and the files written were restored: No space left on device',
    );
    expect(text(sandbox)).toEqual(before);
  });

  it('refuses a patch that holds a secret placeholder, since files hold the real value', async () => {
    const token = 'tok-0123456789abcdef';
    const redact = createRedactor([{ name: 'TOKEN', value: token }]);
    const sandbox = sandboxWith({ '.env': `TOKEN=${token}\nDEBUG=0\n` });
    const patch = [
      '--- a/.env',
      '+++ b/.env',
      '@@ -1,2 +1,2 @@',
      ' TOKEN=[secret TOKEN]',
      '-DEBUG=0',
      '+DEBUG=1',
      '',
    ].join('\n');
    const result = await apply(sandbox, patch, redact);
    expect(result.isError).toBe(true);
    expect(result.output).toContain('Use edit_file around those lines instead');
    expect(text(sandbox)['.env']).toBe(`TOKEN=${token}\nDEBUG=0\n`);
  });

  it('says so when the text is no diff', async () => {
    const result = await apply(sandboxWith({}), 'please change a.txt');
    expect(result).toMatchObject({ isError: true });
    expect(result.output).toContain('The patch names no file');
  });
});
