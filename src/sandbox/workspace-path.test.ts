import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInsideWorkspace, resolveReadOnlyPaths } from './workspace-path.ts';

describe('resolveInsideWorkspace', () => {
  it.each([
    ['a/b', '/ws/a/b'],
    ['.', '/ws'],
    ['a/../b', '/ws/b'],
    ['/ws/c', '/ws/c'],
  ])('resolves %s inside', (path, expected) => {
    expect(resolveInsideWorkspace('/ws', path)).toBe(expected);
  });

  it.each(['..', '../ws2/x', '/etc/passwd', '/ws2', 'a/../../x'])('rejects %s', (path) => {
    expect(() => resolveInsideWorkspace('/ws', path)).toThrow(
      expect.objectContaining({ code: 'path_outside_workspace' }),
    );
  });
});

describe('resolveReadOnlyPaths', () => {
  let root: string;
  let workspace: string;
  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'drydock-paths-')));
    workspace = join(root, 'ws');
    await mkdir(join(workspace, '.git'), { recursive: true });
    await writeFile(join(root, 'outside'), 'secret');
    await symlink(join(root, 'outside'), join(workspace, 'link'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('keeps existing paths and skips missing ones', async () => {
    expect(await resolveReadOnlyPaths(workspace, ['.git', 'missing', './.git/'])).toEqual(['.git', '.git']);
  });

  it.each(['link', '../outside', '/etc', '.'])('refuses %s', async (entry) => {
    await expect(resolveReadOnlyPaths(workspace, [entry])).rejects.toMatchObject({ kind: 'bad_input' });
  });
});
