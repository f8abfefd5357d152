import type { ChildProcess } from 'node:child_process';

/** Kills the children still running (SIGKILL) and waits until every one has exited. */
export async function killAll(children: readonly ChildProcess[]): Promise<void> {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  const exited = running.map((child) => new Promise((resolve) => child.once('exit', resolve)));
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(exited);
}
