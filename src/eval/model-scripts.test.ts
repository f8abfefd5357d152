import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBadInput } from '../core/errors.ts';
import { parseScript, type Script, turnsForRole } from '../models/script-file.ts';
import { nullScript, oracleScript } from './model-scripts.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A git repository with `before`, then `change` applied: the patch between them, as git writes it. */
async function gitPatch(
  before: Record<string, string>,
  change: (dir: string) => Promise<void>,
): Promise<{ base: string; after: string; patch: string }> {
  const root = await mkdtemp(join(tmpdir(), 'drydock-oracle-'));
  dirs.push(root);
  const repo = join(root, 'repo');
  await mkdir(repo);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], {
      cwd: repo,
      encoding: 'utf8',
    });
  git('init', '-q');
  for (const [path, content] of Object.entries(before)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), content);
  }
  git('add', '-A');
  git('commit', '-qm', 'base');
  const base = join(root, 'base');
  await cp(repo, base, { recursive: true });
  await rm(join(base, '.git'), { recursive: true });
  await change(repo);
  git('add', '-A');
  const patch = git('diff', '--cached', '-M', '--binary');
  const after = join(root, 'after');
  await cp(repo, after, { recursive: true });
  await rm(join(after, '.git'), { recursive: true });
  return { base, after, patch };
}

const readFrom = (dir: string) => (path: string) => readFile(join(dir, path)).catch(() => null);

/** Every file under dir (relative path → content and whether it is executable). */
async function tree(dir: string): Promise<Record<string, { content: string; executable: boolean }>> {
  const out: Record<string, { content: string; executable: boolean }> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    out[relative(dir, path)] = {
      content: await readFile(path, 'utf8'),
      executable: (info.mode & 0o100) !== 0,
    };
  }
  return out;
}

/** Runs the coder's first turn the way the tools would, in a copy of the base tree. */
async function replay(script: Script, base: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'drydock-oracle-work-'));
  dirs.push(work);
  await cp(base, work, { recursive: true });
  const [first] = turnsForRole(script, 'coder');
  for (const call of first?.toolCalls ?? []) {
    if (call.name === 'write_file') {
      const { path, content } = call.input as { path: string; content: string };
      await mkdir(dirname(join(work, path)), { recursive: true });
      await writeFile(join(work, path), content);
      await chmod(join(work, path), 0o644);
    } else if (call.name === 'bash') {
      execFileSync('bash', ['-c', (call.input as { command: string }).command], { cwd: work });
    } else {
      throw new Error(`unexpected tool ${call.name} in the first turn`);
    }
  }
  return work;
}

const FILES = {
  'src/stats.js':
    'export function mean(xs) {\n  let s = 0;\n  for (let i = 1; i < xs.length; i++) s += xs[i];\n  return s / xs.length;\n}\n',
  'src/old-name.js': 'export const answer = 41;\n',
  'src/unchanged-rename.js': 'export const same = true;\n',
  'docs/obsolete.md': '# Obsolete\n\nRemove me.\n',
  'README.md': 'stats\n',
};

describe('oracleScript', () => {
  it('writes each changed file whole, deletes removed ones, renames, then finishes; the reviewer approves', async () => {
    const { base, after, patch } = await gitPatch(FILES, async (dir) => {
      await writeFile(join(dir, 'src/stats.js'), FILES['src/stats.js'].replace('let i = 1', 'let i = 0'));
      await rm(join(dir, 'docs/obsolete.md'));
      await rm(join(dir, 'src/old-name.js'));
      await writeFile(join(dir, 'src/new-name.js'), 'export const answer = 42;\n');
      await rm(join(dir, 'src/unchanged-rename.js'));
      await mkdir(join(dir, 'lib'));
      await writeFile(join(dir, 'lib/same.js'), FILES['src/unchanged-rename.js']);
      await mkdir(join(dir, 'bin'));
      await writeFile(join(dir, 'bin/run.sh'), '#!/bin/sh\necho run\n');
      await chmod(join(dir, 'bin/run.sh'), 0o755);
    });
    expect(patch).toMatch(/rename from src\/unchanged-rename\.js/);
    expect(patch).toMatch(/new file mode 100755/);
    expect(patch).toMatch(/deleted file mode/);

    const script = await oracleScript(patch, readFrom(base));
    // A valid script in drydock's format, as the runner will hand it to the scripted model.
    expect(parseScript(script, 'oracle')).toEqual(script);

    const work = await replay(script, base);
    expect(await tree(work)).toEqual(await tree(after));

    const coder = turnsForRole(script, 'coder');
    const calls = coder[0]?.toolCalls ?? [];
    expect(calls).toContainEqual({ name: 'bash', input: { command: "rm -f -- 'docs/obsolete.md'" } });
    expect(calls).toContainEqual({ name: 'bash', input: { command: "chmod +x -- 'bin/run.sh'" } });
    const finish = coder[1]?.toolCalls?.[0];
    expect(finish?.name).toBe('finish');
    const summary = String(finish?.input.summary);
    for (const path of [
      'src/stats.js',
      'docs/obsolete.md',
      'src/old-name.js',
      'src/new-name.js',
      'lib/same.js',
    ]) {
      expect(summary).toContain(path);
    }
    expect(coder[2]?.toolCalls?.[0]?.name).toBe('give_up');
    expect(turnsForRole(script, 'reviewer')).toEqual([
      {
        toolCalls: [{ name: 'submit_review', input: { summary: expect.any(String), findings: [] } }],
      },
    ]);
  });

  it('quotes a path with a quote and spaces so the deletion removes exactly that file', async () => {
    const odd = "docs/it's here.md";
    const { base, after, patch } = await gitPatch({ [odd]: 'x\n', 'keep.md': 'k\n' }, async (dir) => {
      await rm(join(dir, odd));
    });
    const work = await replay(await oracleScript(patch, readFrom(base)), base);
    expect(await tree(work)).toEqual(await tree(after));
  });

  it("keeps each line's ending: a CRLF file, and one that mixes endings", async () => {
    const { base, after, patch } = await gitPatch(
      { 'win.txt': 'a\r\nb\r\nc\r\n', 'mixed.txt': 'x\ny\r\nz\n' },
      async (dir) => {
        await writeFile(join(dir, 'win.txt'), 'a\r\nB\r\nc\r\n');
        await writeFile(join(dir, 'mixed.txt'), 'x\nY\r\nz\n');
      },
    );
    const work = await replay(await oracleScript(patch, readFrom(base)), base);
    expect(await tree(work)).toEqual(await tree(after));
  });

  it('names the file and the hunk when the patch does not apply to the base', async () => {
    const long = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const { patch } = await gitPatch({ 'a.txt': `${long}\n` }, async (dir) => {
      await writeFile(
        join(dir, 'a.txt'),
        `${long.replace('line 2\n', 'LINE 2\n').replace('line 27', 'LINE 27')}\n`,
      );
    });
    expect(patch.match(/^@@/gm)).toHaveLength(2);
    // The second hunk's lines are not in this base.
    const drifted = `${long.replace('line 26', 'something else')}\n`;
    const error = await oracleScript(patch, async (path) => (path === 'a.txt' ? drifted : null)).catch(
      (caught: unknown) => caught,
    );
    expect(isBadInput(error, 'patch_does_not_apply')).toBe(true);
    expect(String(error)).toMatch(/a\.txt: hunk 2 of 2 \(@@ -\d+,\d+ \+\d+,\d+ @@\)/);
  });

  it('refuses a binary change, a missing base file and a path out of the tree, naming the file', async () => {
    const { base, patch: binary } = await gitPatch({ 'img.bin': 'a\u0000b' }, async (dir) => {
      await writeFile(join(dir, 'img.bin'), 'c\u0000d');
    });
    await expect(oracleScript(binary, readFrom(base))).rejects.toThrow(/img\.bin: it is a binary change/);

    const { patch: modify } = await gitPatch({ 'gone.txt': 'a\n' }, async (dir) => {
      await writeFile(join(dir, 'gone.txt'), 'b\n');
    });
    await expect(oracleScript(modify, async () => null)).rejects.toThrow(/gone\.txt: there is no such file/);

    const outside = '--- a/../outside.txt\n+++ b/../outside.txt\n@@ -1 +1 @@\n-a\n+b\n';
    await expect(oracleScript(outside, async () => 'a\n')).rejects.toThrow(
      /\.\.\/outside\.txt: the path is outside/,
    );
    await expect(oracleScript('', async () => null)).rejects.toThrow(/changes no file/);
  });
});

describe('nullScript', () => {
  it('gives up at once, and nothing else', () => {
    const script = nullScript();
    expect(parseScript(script, 'null')).toEqual(script);
    const coder = turnsForRole(script, 'coder');
    expect(coder).toHaveLength(1);
    expect(coder[0]?.toolCalls).toEqual([{ name: 'give_up', input: { reason: expect.any(String) } }]);
    expect(turnsForRole(script, 'reviewer')).toEqual([]);
  });
});
