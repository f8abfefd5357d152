import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createHostProvider } from './host-provider.ts';

/** Whether a host process has not exited yet (a zombie has: it holds no file or directory). */
const running = (pid: string): boolean => {
  try {
    const line = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return line.slice(line.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

// A layered workspace is unmounted right after destroy(): a process still exiting keeps it busy.
it('returns from destroy() once the processes commands left in the background have exited', async () => {
  const workspace = await mkdtemp(join(tmpdir(), 'drydock-host-'));
  const sandbox = await createHostProvider().create({ sessionId: 'host', workspacePath: workspace });
  try {
    const started = await sandbox.exec('for i in $(seq 100); do sleep 30 & echo $!; done');
    const pids = started.output.trim().split('\n');
    expect(pids).toHaveLength(100);
    expect(pids.filter(running)).toHaveLength(100);
    await sandbox.destroy();
    expect(pids.filter(running)).toEqual([]);
  } finally {
    await sandbox.destroy();
    await rm(workspace, { recursive: true, force: true });
  }
});
