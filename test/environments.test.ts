/**
 * Environments end to end (real git, bubblewrap, overlayfs, SQLite, the real npm registry through
 * drydock's egress proxy; scripted model): the first session on a repository builds its image by
 * running `npm ci`; the second starts from it without running setup, at its own commit; a changed
 * lockfile rebuilds; a secret reaches setup and not the agent, and is redacted from what is stored;
 * a failing setup fails the session with the log's tail and publishes no image.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../src/core/events.ts';
import { GLOBAL_SCOPE, type Store } from '../src/core/ports/store.ts';
import type { Session } from '../src/core/session.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createSecretVault } from '../src/environments/secret-vault.ts';
import type { Script } from '../src/models/script-file.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { workspacePathOf } from '../src/sessions/readable-workspace.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { bubblewrapSessions, eventsOfType } from './support/bubblewrap-sessions.ts';

const sessionsHome = await bubblewrapSessions('drydock-environments-');
const { dir, home, mode, reason } = sessionsHome;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const SECRET = `tok-${randomBytes(8).toString('hex')}`;
const PACKAGE_JSON = (name: string) =>
  `${JSON.stringify({ name, version: '1.0.0', private: true, dependencies: { 'is-number': '7.0.0' } }, null, 2)}\n`;
const LOCKFILE = (name: string) =>
  `${JSON.stringify(
    {
      name,
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name, version: '1.0.0', dependencies: { 'is-number': '7.0.0' } },
        'node_modules/is-number': {
          version: '7.0.0',
          integrity:
            'sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==',
          license: 'MIT',
          engines: { node: '>=0.12.0' },
        },
      },
    },
    null,
    2,
  )}\n`;
// setup: the detected `npm ci`, then a command that proves it got the secret (and prints it, to
// show the log is redacted).
const CONFIG = [
  'setup:',
  '  - npm ci --no-audit --no-fund',
  `  - test "$SETUP_TOKEN" = "${SECRET}" && echo "setup saw $SETUP_TOKEN"`,
  'secrets:',
  '  setup: [SETUP_TOKEN]',
  'inputs: [package-lock.json]',
  '',
].join('\n');
const PROBE = `node -e "console.log('is-number says', require('is-number')(5))"; echo "agent sees [$SETUP_TOKEN]"; cat VERSION`;
const script: Script = {
  coder: [
    { text: 'Look around.', toolCalls: [{ name: 'bash', input: { command: PROBE } }] },
    { toolCalls: [{ name: 'finish', input: { summary: `nothing to change (${SECRET})` } }] },
  ],
};

describe.skipIf(mode !== 'overlay')(`environments (${reason})`, () => {
  let store: Store;
  let deps: SessionDeps;
  const repo = join(dir, 'repo');
  const sessions: string[] = [];

  beforeAll(async () => {
    ({ store, deps } = await sessionsHome.open({
      idPrefix: 'e',
      scripts: { env: script },
      vault: async (opened) => {
        const vault = createSecretVault(opened, createSecretBox(randomBytes(32)));
        await vault.set(GLOBAL_SCOPE, 'SETUP_TOKEN', SECRET);
        return vault;
      },
    }));
    await mkdir(join(repo, '.drydock'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.email', 'dev@example.org');
    git(repo, 'config', 'user.name', 'Dev');
    await writeFile(join(repo, 'package.json'), PACKAGE_JSON('envapp'));
    await writeFile(join(repo, 'package-lock.json'), LOCKFILE('envapp'));
    await writeFile(join(repo, '.gitignore'), 'node_modules/\n');
    await writeFile(join(repo, '.drydock', 'config.yaml'), CONFIG);
    await writeFile(join(repo, 'VERSION'), 'version one\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'app with a dependency');
  });

  afterAll(async () => {
    await sessionsHome.close(sessions);
  });

  async function run(): Promise<{ session: Session; events: SessionEvent[] }> {
    const created = await createSession(deps, { task: 'look around', repo, model: 'script:env' });
    sessions.push(created.id);
    const session = await runSession(deps, created.id);
    return { session, events: await store.listEvents(created.id) };
  }

  function probeOutput(events: SessionEvent[]): string {
    const result = eventsOfType(events, 'tool.result').find((data) => data.tool === 'bash');
    return JSON.stringify(result);
  }

  it('builds the image on the first session: npm ci from the registry, with the setup secret', async () => {
    const { session, events } = await run();
    expect(session.reason ?? '').not.toMatch(/Setup failed/);
    const [planned] = eventsOfType(events, 'environment.planned');
    expect(planned).toMatchObject({
      source: 'config',
      setup: ['npm ci --no-audit --no-fund', expect.any(String)],
    });
    const [image] = eventsOfType(events, 'environment.image');
    expect(image).toMatchObject({ reused: false, reason: 'no image yet for this repository' });
    expect(image!.setupMs).toBeGreaterThan(0);
    const log = await store.getArtifact(image!.logArtifactId!);
    expect(log?.content).toMatch(/added 1 package/);
    // The secret reached setup, and the log has its name, never its value.
    expect(log?.content).toContain('setup saw [secret SETUP_TOKEN]');
    expect(log?.content).not.toContain(SECRET);
    // The agent's sandbox has the installed dependency, and not the setup-only secret.
    const probe = probeOutput(events);
    expect(probe).toContain('is-number says true');
    expect(probe).toContain('agent sees []');
    expect(probe).toContain('version one');
    expect((await store.listEnvironments(repo)).map((each) => each.id)).toEqual([image!.imageId]);
  });

  it('starts the second session from the image, without setup, at its own commit', async () => {
    await writeFile(join(repo, 'VERSION'), 'version two\n');
    git(repo, 'commit', '-q', '-am', 'a change that is not a setup input');
    const { events } = await run();
    const [image] = eventsOfType(events, 'environment.image');
    expect(image).toMatchObject({ reused: true, setupMs: 0 });
    expect(image!.logArtifactId).toBeUndefined();
    const probe = probeOutput(events);
    expect(probe).toContain('is-number says true');
    expect(probe).toContain('version two');
    expect(await store.listEnvironments(repo)).toHaveLength(1);
  });

  it('rebuilds when the lockfile changes', async () => {
    await writeFile(join(repo, 'package.json'), PACKAGE_JSON('envapp-renamed'));
    await writeFile(join(repo, 'package-lock.json'), LOCKFILE('envapp-renamed'));
    git(repo, 'commit', '-q', '-am', 'rename the package');
    const { events } = await run();
    const [image] = eventsOfType(events, 'environment.image');
    expect(image).toMatchObject({ reused: false });
    expect(image!.reason).toMatch(/setup inputs changed/);
    expect(probeOutput(events)).toContain('is-number says true');
    expect(await store.listEnvironments(repo)).toHaveLength(2);
  });

  it('keeps secret values out of everything stored: events, checkpoint and artifacts', async () => {
    for (const id of sessions) {
      const session = await store.getSession(id);
      expect(JSON.stringify(session)).not.toContain(SECRET);
      expect(JSON.stringify(await store.listEvents(id))).not.toContain(SECRET);
      expect(JSON.stringify(await store.loadCheckpoint(id))).not.toContain(SECRET);
      expect(JSON.stringify(await store.loadCheckpointLog(id))).not.toContain(SECRET);
      for (const artifact of await store.listArtifacts(id)) {
        expect((await store.getArtifact(artifact.id))?.content).not.toContain(SECRET);
      }
    }
    // The finish summary held the value: it is stored redacted.
    const last = await store.getSession(sessions.at(-1)!);
    expect(JSON.stringify(await store.listEvents(last!.id))).toContain('[secret SETUP_TOKEN]');
  });

  it('fails the session with the log tail when setup fails, and publishes no image', async () => {
    await writeFile(join(repo, '.drydock', 'config.yaml'), 'setup: echo "about to fail" && exit 3\n');
    git(repo, 'commit', '-q', '-am', 'a broken setup');
    const before = await store.listEnvironments(repo);
    const { session } = await run();
    expect(session.state).toBe('failed');
    expect(session.reason).toMatch(/Setup failed: `echo "about to fail" && exit 3`.*exited with code 3/);
    expect(session.reason).toMatch(/No environment image was published/);
    expect(session.reason).toMatch(/about to fail/);
    expect(await store.listEnvironments(repo)).toEqual(before);
  });

  it('fails with the line of the mistake when the config is invalid', async () => {
    await writeFile(join(repo, '.drydock', 'config.yaml'), 'setup: npm ci\nchecks:\n  unit: npm test\n');
    git(repo, 'commit', '-q', '-am', 'an invalid config');
    const { session } = await run();
    expect(session.state).toBe('failed');
    expect(session.reason).toMatch(/\.drydock\/config\.yaml line 3: checks: unknown key "unit"/);
    // Nothing was left mounted for a session that never got a workspace.
    await expect(readFile(join(workspacePathOf(home, session.id), 'VERSION'), 'utf8')).rejects.toThrow();
  });
});
