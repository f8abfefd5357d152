/**
 * The browser tool end to end (real git, bubblewrap, Chromium, SQLite; a scripted coder): a sample web
 * app started by the repository's `start` command; the coder navigates, types, clicks, reads the page's
 * text, a console error and a failed request, takes before and after screenshots around its change and
 * is delivered with both in the PR description. A server on the host's loopback stays out of the page's
 * reach; on an image root without Chromium the tool says so.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandboxBrowser } from '../src/agent/browser/sandbox-browser.ts';
import type { Store } from '../src/core/ports/store.ts';
import type { Script, ScriptTurn } from '../src/models/script-file.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { detectLimitEnvironment } from '../src/sandbox/limit-detection.ts';
import { chooseLimitPlan } from '../src/sandbox/limit-plan.ts';
import { resolveSandboxLimits } from '../src/sandbox/resource-limits.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { bubblewrapSessions, eventsOfType } from './support/bubblewrap-sessions.ts';
import { busyboxImage, busyboxImageUnavailable } from './support/test-images.ts';
import { HAS_CHROMIUM } from './support/web-browser.ts';

const provider = createBubblewrapProvider({ killGraceMs: 300, warn: () => {} });
const bubblewrapProblem = await provider.check().then(
  () => null,
  (error: unknown) => (error instanceof Error ? error.message : String(error)),
);
// Without cgroups (drydock not root) memory is capped by an address-space rlimit, and Chromium's renderer,
// which reserves far more address space than it uses, crashes under it ("Target crashed"): docs/browser.md.
const limits = chooseLimitPlan(await detectLimitEnvironment(), resolveSandboxLimits()).inForce;
const skipReason = !HAS_CHROMIUM
  ? 'no Chromium at /usr/bin/chromium'
  : bubblewrapProblem !== null
    ? `bubblewrap cannot run here: ${bubblewrapProblem}`
    : limits.mechanism === 'rlimit'
      ? "the sandbox's memory limit is an address-space rlimit here (no cgroups: not root), under which Chromium's renderer crashes"
      : null;

const PORT = 4173;
const SERVER = `const http = require('http');
const fs = require('fs');
http.createServer((request, response) => {
  if (request.url === '/') {
    response.setHeader('content-type', 'text/html');
    return response.end(fs.readFileSync(__dirname + '/index.html'));
  }
  response.statusCode = 404;
  response.end('not found');
}).listen(${PORT}, '127.0.0.1');
`;
const PAGE = `<!doctype html>
<title>Groceries</title>
<h1>Groceries</h1>
<input id="item"> <button id="add">Add</button>
<ul id="list"></ul>
<script>
  fetch('/missing.json').catch(() => {});
  document.getElementById('add').addEventListener('click', () => {
    const input = document.getElementById('item');
    if (input.value === '') { console.error('empty item: nothing to add'); return; }
    const item = document.createElement('li');
    item.textContent = input.value;
    document.getElementById('list').append(item);
    input.value = '';
  });
</script>
`;
const START = `#!/bin/bash
nohup node app/server.js >/tmp/app.log 2>&1 &
for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/${PORT}) 2>/dev/null && exit 0; sleep 0.05; done
echo "the app did not start" >&2; exit 1
`;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

async function makeRepo(path: string): Promise<void> {
  await mkdir(join(path, '.drydock'), { recursive: true });
  await mkdir(join(path, 'app'), { recursive: true });
  await mkdir(join(path, 'scripts'), { recursive: true });
  await mkdir(join(path, 'test'), { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  await writeFile(join(path, '.drydock', 'config.yaml'), 'start: bash scripts/start-app.sh\n');
  await writeFile(join(path, 'scripts', 'start-app.sh'), START);
  await writeFile(join(path, 'app', 'server.js'), SERVER);
  await writeFile(join(path, 'app', 'index.html'), PAGE);
  await writeFile(
    join(path, 'package.json'),
    JSON.stringify({ name: 'groceries', private: true, scripts: { test: 'node --test test/' } }),
  );
  await writeFile(
    join(path, 'test', 'page.test.js'),
    "const { test } = require('node:test');\nconst assert = require('node:assert');\nconst fs = require('node:fs');\n" +
      "test('the page has a list', () => assert.match(fs.readFileSync('app/index.html', 'utf8'), /id=\"list\"/));\n",
  );
  git(path, 'add', '-A');
  git(path, '-c', 'user.email=dev@example.org', '-c', 'user.name=Dev', 'commit', '-q', '-m', 'groceries');
}

const browser = (input: Record<string, unknown>): ScriptTurn => ({
  toolCalls: [{ name: 'browser', input }],
});

describe.skipIf(skipReason !== null)(
  `the browser tool in a session (${skipReason ?? 'bubblewrap, Chromium'})`,
  () => {
    const HOST_SECRET = `host-only-${randomBytes(6).toString('hex')}`;
    let hostOnly: Server;
    let hostPort: number;
    let sessionsHome: Awaited<ReturnType<typeof bubblewrapSessions>>;
    let store: Store;
    let deps: SessionDeps;
    const sessionIds: string[] = [];
    const scripts: Record<string, Script> = {};

    beforeAll(async () => {
      // A service only the host has: the sandbox has its own loopback, so no route to it.
      hostOnly = createServer((_request, response) => response.end(HOST_SECRET));
      await new Promise<void>((resolve) => hostOnly.listen(0, '127.0.0.1', resolve));
      hostPort = (hostOnly.address() as AddressInfo).port;
      sessionsHome = await bubblewrapSessions('drydock-browser-');
      ({ store, deps } = await sessionsHome.open({ idPrefix: 'b', scripts }));
    });

    afterAll(async () => {
      hostOnly?.close();
      await sessionsHome?.close(sessionIds);
    });

    it('drives the app in Chromium inside the sandbox and delivers screenshots in the PR description', async () => {
      const repo = join(sessionsHome.dir, 'groceries');
      await makeRepo(repo);
      // The host can reach its own service: the page's failure below is the sandbox's doing.
      expect(await (await fetch(`http://127.0.0.1:${hostPort}/`)).text()).toBe(HOST_SECRET);
      const app = `http://127.0.0.1:${PORT}/`;
      scripts.ui = {
        coder: [
          browser({ action: 'navigate', url: app }),
          browser({ action: 'screenshot', name: 'before-list' }),
          browser({ action: 'type', selector: '#item', text: 'milk' }),
          browser({ action: 'click', selector: '#add' }),
          browser({ action: 'text', selector: '#list' }),
          browser({ action: 'click', selector: '#add' }),
          browser({ action: 'console' }),
          browser({ action: 'requests' }),
          browser({ action: 'navigate', url: `http://127.0.0.1:${hostPort}/` }),
          {
            toolCalls: [
              {
                name: 'edit_file',
                input: {
                  path: 'app/index.html',
                  oldText: '<h1>Groceries</h1>',
                  newText: '<h1>Shopping list</h1>',
                },
              },
            ],
          },
          browser({ action: 'navigate', url: app }),
          browser({ action: 'wait', selector: 'text=Shopping list' }),
          browser({ action: 'screenshot', name: 'after-list', fullPage: true }),
          { toolCalls: [{ name: 'finish', input: { summary: 'Renamed the list heading' } }] },
        ],
        reviewer: [
          {
            toolCalls: [
              {
                name: 'submit_review',
                input: { summary: 'The heading is renamed; nothing else moved.', findings: [] },
              },
            ],
          },
        ],
      };
      const created = await createSession(deps, {
        task: 'Rename the heading of the grocery list to "Shopping list"',
        repo,
        model: 'script:ui',
      });
      sessionIds.push(created.id);
      const session = await runSession(deps, created.id);
      const events = await store.listEvents(created.id);
      const results = eventsOfType(events, 'tool.result').filter((result) => result.tool === 'browser');
      const outputs = results.map((result) => `${result.isError ? 'ERROR ' : ''}${result.output}`);

      expect(outputs[0]).toBe(`loaded: now at ${app} (HTTP 200), title "Groceries"`);
      expect(outputs[4]).toBe('milk');
      expect(outputs[6]).toContain('console.error: empty item: nothing to add');
      expect(outputs[7]).toMatch(/GET http:\/\/127\.0\.0\.1:4173\/missing\.json: HTTP 404/);
      // The host's service is not there for the page: refused, and its answer never shows.
      expect(outputs[8]).toMatch(/^ERROR navigate to .* failed: .*ERR_CONNECTION_REFUSED/);
      expect(JSON.stringify(events)).not.toContain(HOST_SECRET);
      expect(outputs[9]).toBe(`loaded: now at ${app} (HTTP 200), title "Groceries"`);
      expect(session.reason).toBe(null);
      expect(session.state).toBe('delivered');

      const shots = results.flatMap((result) => result.images ?? []);
      expect(shots.map((shot) => shot.name)).toEqual(['before-list', 'after-list']);
      for (const shot of shots) {
        const artifact = await store.getArtifact(shot.artifactId);
        expect(artifact?.contentType).toBe('image/png');
        const png = Buffer.from(artifact?.content ?? '', 'base64');
        expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        expect(png.length).toBeGreaterThan(1000);
      }
      const listed = await store.listArtifacts(created.id);
      const description = listed.filter((artifact) => artifact.name === 'pull-request.md').at(-1);
      const body = (await store.getArtifact(description?.id ?? ''))?.content ?? '';
      expect(body).toContain('## Screenshots');
      const [before, after] = shots;
      expect(body).toContain(
        `| list | ![before-list](/api/sessions/${created.id}/artifacts/${before?.artifactId}) | ![after-list](/api/sessions/${created.id}/artifacts/${after?.artifactId}) |`,
      );
    }, 240_000);
  },
);

const busyboxMissing = await busyboxImageUnavailable();
describe.skipIf(bubblewrapProblem !== null || busyboxMissing !== null)(
  `the browser tool on an image root without Chromium (${bubblewrapProblem ?? busyboxMissing ?? 'busybox'})`,
  () => {
    it('answers with a tool error that says why, and the sandbox goes on', async () => {
      const dir = join(
        await import('node:os').then((os) => os.tmpdir()),
        `drydock-browser-img-${randomBytes(3).toString('hex')}`,
      );
      await mkdir(dir, { recursive: true });
      const sandbox = await provider.create({
        sessionId: 'no-chromium',
        workspacePath: dir,
        root: await busyboxImage(),
      });
      const page = createSandboxBrowser({ sandbox: () => sandbox });
      try {
        await expect(page.navigate('http://127.0.0.1:1/')).rejects.toThrow(/No Chromium in this sandbox/);
        expect((await sandbox.exec('echo alive')).output).toBe('alive\n');
      } finally {
        await page.close();
        await sandbox.destroy();
      }
    }, 60_000);
  },
);
