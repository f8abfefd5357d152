/**
 * Setup as the repository says, end to end (real git, bubblewrap, overlayfs, SQLite, the real npm
 * registry through drydock's egress proxy; scripted model), on test/fixtures/pnpm-pinned: a pnpm
 * repository whose package.json pins `pnpm@10.34.9`, with the lockfile that pnpm wrote. The session
 * builds its image with that pnpm (not the newest, which refused such a repository: issue 13) and the
 * agent's command loads the dependency; a pin the registry does not have fails the session with the
 * command, the cause and how to override setup.
 */
import { execFileSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionEvent } from '../src/core/events.ts';
import type { Store } from '../src/core/ports/store.ts';
import type { Session } from '../src/core/session.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createSecretVault } from '../src/environments/secret-vault.ts';
import type { Script } from '../src/models/script-file.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { bubblewrapSessions, eventsOfType } from './support/bubblewrap-sessions.ts';

const PINNED = 'pnpm@10.34.9';
const FIXTURE = join(import.meta.dirname, 'fixtures', 'pnpm-pinned');
const sessionsHome = await bubblewrapSessions('drydock-package-manager-');
const { dir, mode, reason } = sessionsHome;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

const PROBE = `node -e "console.log('is-number says', require('is-number')(5))"; ls node_modules/.pnpm`;
const script: Script = {
  coder: [
    { text: 'Look around.', toolCalls: [{ name: 'bash', input: { command: PROBE } }] },
    { toolCalls: [{ name: 'finish', input: { summary: 'nothing to change' } }] },
  ],
};

describe.skipIf(mode !== 'overlay')(`setup with the package manager package.json pins (${reason})`, () => {
  let store: Store;
  let deps: SessionDeps;
  const repo = join(dir, 'repo');
  const sessions: string[] = [];

  beforeAll(async () => {
    ({ store, deps } = await sessionsHome.open({
      idPrefix: 'p',
      scripts: { pm: script },
      vault: async (opened) => createSecretVault(opened, createSecretBox(Buffer.alloc(32, 7))),
    }));
    await cp(FIXTURE, repo, { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.email', 'dev@example.org');
    git(repo, 'config', 'user.name', 'Dev');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'a pnpm repository pinned to pnpm 10');
  });

  afterAll(async () => {
    await sessionsHome.close(sessions);
  });

  async function run(): Promise<{ session: Session; events: SessionEvent[] }> {
    const created = await createSession(deps, { task: 'look around', repo, model: 'script:pm' });
    sessions.push(created.id);
    const session = await runSession(deps, created.id);
    return { session, events: await store.listEvents(created.id) };
  }

  it(`builds the image with the pinned ${PINNED} and its lockfile, frozen; the agent loads the dependency`, {
    timeout: 240_000,
  }, async () => {
    const { session, events } = await run();
    expect(session.reason ?? '').not.toMatch(/Setup failed/);
    const command = `npx --yes ${PINNED} install --frozen-lockfile --config.manage-package-manager-versions=false`;
    const [planned] = eventsOfType(events, 'environment.planned');
    expect(planned).toMatchObject({
      source: 'detected',
      description: `package.json packageManager ${PINNED} + pnpm-lock.yaml → ${command}`,
      setup: [command],
      node: [{ source: 'package.json engines.node', requirement: '>=18.12' }],
    });
    const [image] = eventsOfType(events, 'environment.image');
    expect(image).toMatchObject({ reused: false });
    const log = (await store.getArtifact(image!.logArtifactId!))?.content ?? '';
    // pnpm itself says which version ran; the sandbox's Node (20 or later) meets engines.node, so no note.
    expect(log).toMatch(/Done in [\d.]+m?s using pnpm v10\.34\.9/);
    expect(log).not.toMatch(/^# the sandbox's Node/m);
    const probe = JSON.stringify(eventsOfType(events, 'tool.result').find((data) => data.tool === 'bash'));
    expect(probe).toContain('is-number says true');
    // pnpm's layout, not npm's: the dependency sits in the virtual store.
    expect(probe).toContain('is-number@7.0.0');
  });

  it('fails with the command, the cause and how to override setup when the registry lacks the pin', {
    timeout: 120_000,
  }, async () => {
    const pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(
      join(repo, 'package.json'),
      `${JSON.stringify({ ...pkg, packageManager: 'pnpm@0.0.999' }, null, 2)}\n`,
    );
    git(repo, 'commit', '-q', '-am', 'pin a pnpm that does not exist');
    const before = await store.listEnvironments(repo);
    const { session } = await run();
    expect(session.state).toBe('failed');
    const reason = session.reason ?? '';
    expect(reason).toMatch(
      /^Setup failed: `npx --yes pnpm@0\.0\.999 install --frozen-lockfile` \(command 1 of 1, from package\.json packageManager pnpm@0\.0\.999 \+ pnpm-lock\.yaml → /,
    );
    expect(reason).toMatch(
      /package\.json's packageManager pins pnpm@0\.0\.999, which the registry does not have/,
    );
    expect(reason).toMatch(/No matching version found for pnpm@0\.0\.999/);
    expect(reason).toMatch(
      /set `setup:` in \.drydock\/config\.yaml to the commands that install this repository/,
    );
    expect(await store.listEnvironments(repo)).toEqual(before);
  });
});
