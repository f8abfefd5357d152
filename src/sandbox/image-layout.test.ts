import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_PATH, planImageRoot, readImageLayout, resolveInImage } from './image-layout.ts';

describe('planImageRoot', () => {
  it('binds directories and files, recreates links, and leaves out what the sandbox mounts itself', () => {
    const plan = planImageRoot(
      [
        { name: 'usr', kind: 'directory' },
        { name: 'etc', kind: 'directory' },
        { name: 'bin', kind: 'symlink', target: 'usr/bin' },
        { name: '.dockerenv', kind: 'file' },
        { name: 'proc', kind: 'directory' },
        { name: 'dev', kind: 'directory' },
        { name: 'sys', kind: 'directory' },
        { name: 'tmp', kind: 'directory' },
        { name: 'workspace', kind: 'directory' },
        { name: 'opt', kind: 'directory' },
        { name: 'socket', kind: 'other' },
      ],
      [
        { name: 'drydock', kind: 'directory' },
        { name: 'java', kind: 'directory' },
        { name: 'fifo', kind: 'other' },
      ],
    );
    expect(plan).toEqual({
      binds: ['.dockerenv', 'etc', 'usr'],
      links: [{ path: '/bin', target: 'usr/bin' }],
      opt: ['java'],
    });
  });
});

describe('image roots on disk', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'drydock-image-layout-'));
    await mkdir(join(root, 'usr/bin'), { recursive: true });
    await mkdir(join(root, 'etc'));
    await symlink('usr/bin', join(root, 'bin'));
    await writeFile(join(root, 'usr/bin/dash'), '');
    // Absolute links lead inside the image, never to the host's files of that name.
    await symlink('/usr/bin/dash', join(root, 'usr/bin/sh'));
    await symlink('/etc/hostname', join(root, 'etc/host-link'));
    await symlink('loop-b', join(root, 'etc/loop-a'));
    await symlink('loop-a', join(root, 'etc/loop-b'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('resolves links as the sandbox would, rooted at the image', async () => {
    expect(await resolveInImage(root, '/bin/sh')).toBe(join(root, 'usr/bin/dash'));
    expect(await resolveInImage(root, '/etc/host-link')).toBeNull();
    expect(await resolveInImage(root, '/etc/loop-a')).toBeNull();
    expect(await resolveInImage(root, '/../../bin/sh')).toBe(join(root, 'usr/bin/dash'));
  });

  it("reads the layout: the image's PATH (or the default), /bin/sh as the shell, and no git", async () => {
    const layout = await readImageLayout({ path: root, label: 'img' });
    expect(layout).toMatchObject({
      binds: ['etc', 'usr'],
      links: [{ path: '/bin', target: 'usr/bin' }],
      shell: '/bin/sh',
      hasGit: false,
      env: { PATH: DEFAULT_IMAGE_PATH },
    });
    await writeFile(join(root, 'usr/bin/bash'), '');
    await writeFile(join(root, 'usr/bin/git'), '');
    try {
      const withTools = await readImageLayout({ path: root, label: 'img', env: { PATH: '/bin', X: '1' } });
      expect(withTools).toMatchObject({ shell: '/bin/bash', hasGit: true, env: { PATH: '/bin', X: '1' } });
    } finally {
      await rm(join(root, 'usr/bin/bash'));
      await rm(join(root, 'usr/bin/git'));
    }
  });

  it('refuses an image whose /bin/sh leads nowhere, naming the image', async () => {
    await rm(join(root, 'usr/bin/dash'));
    try {
      await expect(readImageLayout({ path: root, label: 'example.org/x@sha256:1' })).rejects.toMatchObject({
        code: 'image_shell_missing',
        message: expect.stringContaining('image example.org/x@sha256:1 has no /bin/sh'),
      });
    } finally {
      await writeFile(join(root, 'usr/bin/dash'), '');
    }
  });
});
