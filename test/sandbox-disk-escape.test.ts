/**
 * A workspace with a disk quota, filled on purpose, on every sandbox variant (support/escape-variants.ts):
 * writes past the quota fail cleanly, the host's disk is untouched, and nothing is left behind.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/core/ports/sandbox.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes, type LayeredSandbox } from '../src/environments/layered-sandbox.ts';
import { diskQuotaSupport } from '../src/sandbox/disk-quota.ts';
import { mountsUnder } from '../src/sandbox/mount-table.ts';
import { MiB, SMALL, spareProvider, variants } from './support/escape-variants.ts';
import { loopsBackedUnder, removeTestDir } from './support/remove-dir.ts';

afterAll(() => spareProvider.drainSpares());

/** The host path of a sandbox's disk image ('' without one). */
function imageOf(sandbox: Sandbox): string {
  const disk = sandbox.limits?.disk;
  return disk?.mechanism === 'loop-ext4' ? disk.image : '';
}

const quotaSupport = await diskQuotaSupport();
if (!quotaSupport.ok)
  console.warn(`sandbox-escape: no disk quotas here (${quotaSupport.reason}); disk tests skip`);

describe.skipIf(!quotaSupport.ok).each(variants.map((variant) => [variant.name, variant] as const))(
  'a workspace with a disk quota, filled (%s)',
  (_name, variant) => {
    const quota = 32 * MiB;
    let parent: string;
    let sandbox: LayeredSandbox;

    beforeAll(async () => {
      parent = await realpath(await mkdtemp(join(tmpdir(), 'drydock-escape-disk-')));
      const store = await createLayerStore(parent);
      const staging = await store.stagingDir();
      await writeFile(join(staging, 'app.ts'), 'export const answer = 42;\n');
      const base = (await store.adopt(staging)).id;
      const sandboxes = createLayeredSandboxes({
        provider: variant.provider,
        store,
        workspacesDir: join(parent, 'overlays'),
        mode: 'overlay',
      });
      sandbox = await sandboxes.start(
        { layers: [base] },
        { sessionId: 'disk', limits: { ...SMALL, memoryBytes: 256 * MiB, diskBytes: quota } },
      );
    });
    afterAll(async () => {
      await sandbox?.destroy().catch(() => {});
      await removeTestDir(parent);
    });

    it('fails the writes past the quota with ENOSPC and a note, and stays usable', async () => {
      expect(sandbox.limits).toMatchObject({ diskBytes: quota, disk: { mechanism: 'loop-ext4' } });
      const fill = await sandbox.exec('head -c 64M /dev/zero > big');
      expect(fill.exitCode).not.toBe(0);
      expect(fill.output).toContain('No space left on device');
      expect(fill.diskFull).toBe(true);
      expect(fill.output).toContain("the workspace's disk quota of 32 MiB is full");
      // Every command sees the note while the quota is full.
      const stat = await sandbox.exec('stat -c %s big');
      expect(stat.diskFull).toBe(true);
      const size = Number(stat.output.split('\n')[0]);
      expect(size).toBeGreaterThan(16 * MiB);
      expect(size).toBeLessThanOrEqual(quota);
      // A file operation fails with a clear error, not a crash.
      await expect(sandbox.writeFile('more.bin', Buffer.alloc(MiB))).rejects.toMatchObject({
        code: 'workspace_disk_full',
        message: expect.stringContaining('--disk'),
      });
      // On the host the image holds at most the quota: the rest of the disk is untouched.
      const image = imageOf(sandbox);
      const allocated = Number(spawnSync('du', ['-B1', image], { encoding: 'utf8' }).stdout.split('\t')[0]);
      expect(allocated).toBeLessThanOrEqual(quota);
      // The sandbox, /tmp and the rest of the workspace go on; deleting files makes room again.
      expect((await sandbox.exec('echo ok > /tmp/ok && cat /tmp/ok app.ts')).output).toContain('answer = 42');
      const after = await sandbox.exec('rm big more.bin && head -c 1M /dev/zero > small && echo written');
      expect(after.output).toBe('written\n');
      expect(after.diskFull).toBeUndefined();
      await sandbox.writeFile('notes.txt', 'room again\n');
      const snapshot = await sandbox.snapshot();
      expect(snapshot.layers).toHaveLength(2);
    });

    it('leaves no mount and no loop device behind once destroyed', async () => {
      const image = imageOf(sandbox);
      expect(image).toMatch(/rw\.disk\.img$/);
      expect(await loopsBackedUnder(parent)).toHaveLength(1);
      await sandbox.destroy();
      expect(await mountsUnder(parent)).toEqual([]);
      expect(await loopsBackedUnder(parent)).toEqual([]);
      expect(existsSync(image)).toBe(false);
    });
  },
);
