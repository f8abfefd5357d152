/**
 * Redaction end to end (real git, bubblewrap, SQLite; scripted model), from the red-team report: the
 * agent prints secrets encoded (base64, xxd -p, URL encoding) and split across output chunks, and
 * edits a file that holds one. Neither the model nor the store sees any form of a secret; the file
 * and the delivered commit keep the real value.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../src/core/ports/clock.ts';
import type { ModelRouter } from '../src/core/ports/models.ts';
import { GLOBAL_SCOPE, type Store } from '../src/core/ports/store.ts';
import { DEFAULT_BUDGET } from '../src/core/session.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { secretForms } from '../src/environments/secret-forms.ts';
import { createSecretVault, type SecretVault } from '../src/environments/secret-vault.ts';
import { createModelRouter } from '../src/models/router.ts';
import type { Script } from '../src/models/script-file.ts';
import type { ScriptedModel } from '../src/models/scripted-model.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { createSequentialIds } from '../src/store/ids.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

// Characters URL encoding changes, so its form differs from the raw value.
const API_TOKEN = `tok+${randomBytes(9).toString('hex')}/=`;
const DB_PASSWORD = `pw-${randomBytes(9).toString('hex')}`;
const CONFIG = [
  'start: bash scripts/start-service.sh',
  'secrets:',
  '  start: [DB_PASSWORD]',
  '  agent: [API_TOKEN]',
  '',
].join('\n');
// A service started with the start-only secret in its environment; `sleep` keeps it (and it) alive.
const START_SCRIPT = 'nohup sleep 600 >/dev/null 2>&1 &\n';
const APP_CONF = `name = demo\ntoken = ${API_TOKEN}\ndebug = false\n`;

/**
 * Every 10-character piece of every form of the secrets in `text`, line breaks ignored: must be none.
 * Shorter pieces match by chance: 6 hex digits are 3 bytes, and a random secret holding "ace" has the
 * hex of the "/workspace" every environment dump prints (a run as a normal user here hit it).
 */
function leaks(text: string): string[] {
  const flat = text.replace(/\r?\n/g, '');
  return [API_TOKEN, DB_PASSWORD].flatMap((secret) =>
    secretForms(secret).flatMap(({ text: form }) =>
      Array.from({ length: form.length - 9 }, (_, at) => form.slice(at, at + 10)).filter((piece) =>
        flat.includes(piece),
      ),
    ),
  );
}

const bash = (command: string) => ({ toolCalls: [{ name: 'bash', input: { command } }] });
const ATTACKS = [
  // The red-team report: an environment read from /proc, encoded so the raw value does not show.
  'cat /proc/self/environ | base64',
  'cat /proc/self/environ | xxd -p',
  'printf %s "$API_TOKEN" | basenc --base64url',
  // Every process the agent can see, the start command's service included (where its /proc is visible).
  'for p in /proc/[0-9]*; do cat "$p/environ" 2>/dev/null; done | base64 -w 0',
  'node -e "console.log(encodeURIComponent(process.env.API_TOKEN))"',
  // Two halves, with a pause: two output chunks.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash expands it, not JavaScript
  'printf %s "${API_TOKEN:0:9}"; sleep 0.3; printf "%s\\n" "${API_TOKEN:9}"',
];

const dir = await mkdtemp(join(tmpdir(), 'drydock-redaction-'));

describe('secrets in what the agent prints and edits', () => {
  const home = join(dir, 'home');
  const repo = join(dir, 'repo');
  let store: Store;
  let vault: SecretVault;
  const routers: ModelRouter[] = [];
  const scripts: Record<string, Script> = {};

  beforeAll(async () => {
    await mkdir(join(repo, '.drydock'), { recursive: true });
    await mkdir(join(repo, 'scripts'));
    git(repo, 'init', '-q', '-b', 'main');
    await writeFile(join(repo, '.drydock', 'config.yaml'), CONFIG);
    await writeFile(join(repo, 'scripts', 'start-service.sh'), START_SCRIPT);
    await writeFile(join(repo, 'app.conf'), APP_CONF);
    git(repo, 'add', '-A');
    git(repo, '-c', 'user.email=dev@example.org', '-c', 'user.name=Dev', 'commit', '-q', '-m', 'app');
    store = await openSqliteStore({
      path: join(home, 'drydock.db'),
      clock: systemClock,
      ids: createSequentialIds('r'),
    });
    vault = createSecretVault(store, createSecretBox(randomBytes(32)));
    await vault.set(GLOBAL_SCOPE, 'API_TOKEN', API_TOKEN);
    await vault.set(GLOBAL_SCOPE, 'DB_PASSWORD', DB_PASSWORD);
  });

  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const deps = (prefix: string): SessionDeps => ({
    store,
    sandboxes: createBubblewrapProvider({ killGraceMs: 300 }),
    models: (spec) => {
      const router = createModelRouter({ default: spec, env: {}, cwd: dir, scripts });
      routers.push(router);
      return router;
    },
    clock: systemClock,
    ids: createSequentialIds(prefix),
    home,
    budget: DEFAULT_BUDGET,
    vault,
  });

  /** Everything the session stored: events, the checkpoint and its log, session fields and every artifact. */
  async function stored(sessionId: string): Promise<string> {
    const artifacts = await Promise.all(
      (await store.listArtifacts(sessionId)).map(async ({ id }) => (await store.getArtifact(id))?.content),
    );
    return JSON.stringify([
      await store.listEvents(sessionId),
      await store.loadCheckpoint(sessionId),
      await store.loadCheckpointLog(sessionId),
      await store.getSession(sessionId),
      artifacts,
    ]);
  }

  it('hides every secret, encoded or split across chunks, from the model and the store', async () => {
    scripts.print = {
      coder: [...ATTACKS.map(bash), { toolCalls: [{ name: 'give_up', input: { reason: 'only looking' } }] }],
    };
    const d = deps('p');
    const created = await createSession(d, { task: 'print the environment', repo, model: 'script:print' });
    await runSession(d, created.id);
    const events = await store.listEvents(created.id);
    const results = events.flatMap((event) =>
      event.data.type === 'tool.result' && event.data.tool === 'bash' ? [event.data.output] : [],
    );
    expect(results).toHaveLength(ATTACKS.length);
    // Each command did print its secret, and redaction said so.
    expect(results[0]).toContain('[secret API_TOKEN (base64)]');
    expect(results[1]).toContain('[secret API_TOKEN (hex)]');
    expect(results[2]).toContain('[secret API_TOKEN (base64)]');
    expect(results[4]).toContain('[secret API_TOKEN (url)]');
    expect(results[5]).toContain('[secret API_TOKEN]');
    for (const [index, output] of results.entries()) expect(leaks(output), ATTACKS[index]).toEqual([]);
    // The commands' output also streamed into the log as it came (tool.output): in what `stored` checks.
    expect(events.filter((event) => event.data.type === 'tool.output').length).toBeGreaterThanOrEqual(
      ATTACKS.length,
    );
    expect(leaks(await stored(created.id))).toEqual([]);
    // What the model was actually sent, every call.
    const coder = routers.at(-1)!.resolve('coder').model as ScriptedModel;
    expect(coder.calls.length).toBeGreaterThan(ATTACKS.length);
    expect(leaks(JSON.stringify(coder.calls))).toEqual([]);
  }, 120_000);

  it('edits a file that holds a secret without writing the placeholder; edits that would are refused', async () => {
    scripts.edit = {
      coder: [
        { toolCalls: [{ name: 'read_file', input: { path: 'app.conf' } }] },
        // Another line of the file: the secret's line must keep its value.
        {
          toolCalls: [
            {
              name: 'edit_file',
              input: { path: 'app.conf', oldText: 'debug = false', newText: 'debug = true' },
            },
          ],
        },
        // Copied from what read_file showed: the placeholder, not the value.
        {
          toolCalls: [
            {
              name: 'edit_file',
              input: {
                path: 'app.conf',
                oldText: 'token = [secret API_TOKEN]\n',
                newText: 'token = [secret API_TOKEN]\nretries = 3\n',
              },
            },
          ],
        },
        {
          toolCalls: [
            {
              name: 'write_file',
              input: { path: 'app.conf', content: 'name = demo\ntoken = [secret API_TOKEN]\ndebug = true\n' },
            },
          ],
        },
        { toolCalls: [{ name: 'finish', input: { summary: 'Turned debug on.' } }] },
      ],
      reviewer: [{ toolCalls: [{ name: 'submit_review', input: { summary: 'Fine.', findings: [] } }] }],
    };
    const d = deps('e');
    const created = await createSession(d, { task: 'turn debug on in app.conf', repo, model: 'script:edit' });
    const ended = await runSession(d, created.id);
    const results = (await store.listEvents(created.id)).flatMap((event) =>
      event.data.type === 'tool.result' && event.data.role === undefined ? [event.data] : [],
    );
    const [read, edit, placeholderEdit, placeholderWrite] = results;
    expect(read?.output).toContain('token = [secret API_TOKEN]');
    expect(edit).toMatchObject({ isError: false, output: 'Edited app.conf at line 3.' });
    expect(ended.state).toBe('delivered');
    const onDisk = await readFile(join(workspacePathOf(home, created.id), 'app.conf'), 'utf8');
    expect(onDisk).toBe(`name = demo\ntoken = ${API_TOKEN}\ndebug = true\n`);
    const delivered = git(repo, 'show', `${ended.branch}:app.conf`);
    expect(delivered).toBe(`name = demo\ntoken = ${API_TOKEN}\ndebug = true`);
    expect(delivered).not.toContain('[secret');

    // The reviewer reads the diff, whose context lines hold the token's line: it sees the placeholder.
    const reviewer = routers.at(-1)!.resolve('reviewer').model as ScriptedModel;
    expect(JSON.stringify(reviewer.calls)).toContain('token = [secret API_TOKEN]');
    expect(leaks(JSON.stringify(reviewer.calls))).toEqual([]);

    // Text copied from the redacted view would write the placeholder over the value: refused, file unchanged.
    expect(placeholderEdit).toMatchObject({ isError: true });
    expect(placeholderEdit?.output).toContain('holds the secret API_TOKEN');
    expect(placeholderWrite).toMatchObject({ isError: true });
    expect(placeholderWrite?.output).toContain('[secret API_TOKEN]');
    expect(leaks(await stored(created.id))).toEqual([]);
  }, 120_000);
});
