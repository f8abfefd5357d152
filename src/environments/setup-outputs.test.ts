import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workspaceGit } from '../forge/workspace-git.ts';
import { unconfined } from '../sandbox/host-provider.ts';
import { excludeSetupOutputs } from './setup-outputs.ts';

const dir = await mkdtemp(join(tmpdir(), 'drydock-setup-outputs-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });

describe('excludeSetupOutputs', () => {
  it('hides what setup left untracked from every later status and diff, and nothing else', async () => {
    git('init', '-q');
    await writeFile(join(dir, 'app.js'), 'v1\n');
    git('add', '-A');
    git('-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-q', '-m', 'init');
    // What setup wrote: a dependency folder nobody ignored, and files with glob characters in their names.
    await mkdir(join(dir, 'node_modules', 'pkg'), { recursive: true });
    await writeFile(join(dir, 'node_modules', 'pkg', 'index.js'), 'x');
    await writeFile(join(dir, 'gen[1]*.txt'), 'x');
    await writeFile(join(dir, '#notes'), 'x');

    const added = await excludeSetupOutputs(workspaceGit(dir, unconfined));
    expect(added.sort()).toEqual(['#notes', 'gen[1]*.txt', 'node_modules/']);
    expect(git('status', '--porcelain')).toBe('');

    // The agent's own new files and edits still show.
    await writeFile(join(dir, 'app.js'), 'v2\n');
    await writeFile(join(dir, 'gen1a.txt'), 'new');
    expect(git('status', '--porcelain').split('\n').filter(Boolean).sort()).toEqual([
      ' M app.js',
      '?? gen1a.txt',
    ]);
    expect(await excludeSetupOutputs(workspaceGit(dir, unconfined))).toEqual(['gen1a.txt']);
  });
});
