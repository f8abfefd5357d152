// A process that runs one manager session (test/manager.test.ts kills it with SIGKILL mid-tree):
// node manager-process.ts <dir> <repo> <script>. Prints "session <id>" once the session exists.
import { createSession } from '../../src/sessions/create-session.ts';
import { runSession } from '../../src/sessions/run-session.ts';
import { managerDeps } from './manager-sessions.ts';

const [dir, repo, script] = process.argv.slice(2);
if (!dir || !repo || !script) throw new Error('usage: manager-process.ts <dir> <repo> <script>');
const { deps, store } = await managerDeps(dir, 'm');
const session = await createSession(deps, {
  task: 'Two parts',
  repo,
  model: `script:${script}`,
  mode: 'manager',
});
process.stdout.write(`session ${session.id}\n`);
const ended = await runSession(deps, session.id, { owner: `process-${process.pid}` });
process.stdout.write(`ended ${ended.state}\n`);
await store.close();
