import { describe, expect, it } from 'vitest';
import { closeWorkspace, withReadableWorkspace, workspacePathOf } from './readable-workspace.ts';
import type { SessionDeps } from './session-deps.ts';

/** A plain-clone home (no layers): a read is a call on the path. */
const deps = { home: '/nonexistent/drydock-home' } as SessionDeps;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('a workspace closed while it is read', () => {
  it('closes only after the readers in it are done, and holds new readers until it closed', async () => {
    const order: string[] = [];
    const first = deferred();
    const reading = withReadableWorkspace(deps, 's1', async () => {
      order.push('read 1 starts');
      await first.promise;
      order.push('read 1 ends');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const closing = closeWorkspace(workspacePathOf(deps.home, 's1'), async () => {
      order.push('close');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const later = withReadableWorkspace(deps, 's1', async () => {
      order.push('read 2');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual(['read 1 starts']);
    first.resolve();
    await Promise.all([reading, closing, later]);
    expect(order).toEqual(['read 1 starts', 'read 1 ends', 'close', 'read 2']);
  });

  it('lets readers of other workspaces through while one closes, and closes at once when nobody reads', async () => {
    const held = deferred();
    const closing = closeWorkspace(workspacePathOf(deps.home, 's2'), () => held.promise);
    const other = await withReadableWorkspace(deps, 's3', async (path) => path);
    expect(other).toBe(workspacePathOf(deps.home, 's3'));
    held.resolve();
    await closing;
    await expect(closeWorkspace(workspacePathOf(deps.home, 's2'), async () => 'closed')).resolves.toBe(
      'closed',
    );
  });
});
