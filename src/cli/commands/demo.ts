import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '../../core/session.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import { DEMO_TASK } from '../demo/demo-script.ts';
import { createSampleRepo } from '../demo/sample-repo.ts';
import { printEnding, runInForeground } from './run.ts';

/**
 * `drydock demo`: offline, with the built-in scripted model. Creates a sample repository with a
 * failing test in a temporary folder and runs a session that fixes it.
 */
export async function runDemo(deps: SessionDeps, out: NodeJS.WriteStream): Promise<Session> {
  const repo = await mkdtemp(join(tmpdir(), 'drydock-demo-'));
  await createSampleRepo(repo);
  out.write(`Sample repository with a failing test: ${repo}\n`);
  out.write("Model: script:demo, drydock's built-in scripted demo model (offline; not an LLM)\n\n");
  const session = await runInForeground(deps, { task: DEMO_TASK, repo, model: 'script:demo' }, out);
  await printEnding(deps, session, out);
  return session;
}
