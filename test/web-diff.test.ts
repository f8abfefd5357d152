import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCRIPT, DEMO_TASK } from '../src/cli/demo/demo-script.ts';
import type { EventData } from '../src/core/events.ts';
import type { Session } from '../src/core/session.ts';
import type { Script } from '../src/models/script-file.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { sendMessage } from '../src/sessions/follow-ups.ts';
import { runSession } from '../src/sessions/run-session.ts';
import { newSession } from '../src/store/store-contract.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, shot, useChromium } from './support/web-browser.ts';

const coder = Array.isArray(DEMO_SCRIPT) ? DEMO_SCRIPT : (DEMO_SCRIPT.coder ?? []);
const reviewer = Array.isArray(DEMO_SCRIPT) ? [] : (DEMO_SCRIPT.reviewer ?? []);
const lines = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`).join('\n');

/** The demo's fix, then a follow-up turn that adds two long files: two turns, two commits, three files. */
const TWO_TURNS: Script = {
  coder: [
    ...coder,
    {
      text: 'Adding the notes and the formatter you asked for.',
      toolCalls: [
        { name: 'write_file', input: { path: 'NOTES.md', content: `# Notes\n\n${lines('- note ', 70)}\n` } },
        {
          name: 'write_file',
          input: {
            path: 'src/util/format.js',
            content: `${lines('export const value', 70).replace(/value(\d+)/g, 'value$1 = $1;')}\n`,
          },
        },
      ],
    },
    { toolCalls: [{ name: 'finish', input: { summary: 'Added NOTES.md and src/util/format.js.' } }] },
  ],
  reviewer: [...reviewer, ...reviewer],
};

/** The diff and the outcome actions in Chromium, against the real control plane (no sandbox: speed). */
describe.skipIf(!HAS_CHROMIUM)('web diff and outcome actions in Chromium', () => {
  let webRoot: string;
  let harness: Harness;
  let server: RunningServer;
  let delivered: Session;
  let memberCreator: { id: string; name: string };

  beforeAll(async () => {
    webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    harness.scripts.two = TWO_TURNS;
    const created = await createSession(harness.deps, {
      task: DEMO_TASK,
      repo: harness.repo,
      model: 'script:two',
    });
    await runSession(harness.deps, created.id);
    await sendMessage(harness.store, created.id, 'Also add NOTES.md and a formatter.');
    delivered = await runSession(harness.deps, created.id);
    server = await startTestServer(harness, { workerPollMs: 200, webRoot });
    const me = (await (
      await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${harness.tokens.member}` } })
    ).json()) as { creator: string };
    memberCreator = { id: me.creator, name: 'member token' };
    // Sessions started by the tests below run the demo on the worker; nothing waits for them.
  }, 180_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });
  const open = async (path: string, role: 'member' | 'viewer' | 'admin' = 'member') => {
    const page = await pages.newPage();
    await page.goto(`${server.url}${path}#token=${harness.tokens[role]}`);
    return page;
  };
  const file = (page: Page, path: string) => page.locator(`.diff-file[data-path="${path}"]`);

  it('lists the files in a tree that navigates, highlights code, and shows old and new side by side', async () => {
    expect(delivered.state).toBe('delivered');
    const page = await open(`/sessions/${delivered.id}?tab=diff`);
    const tree = page.getByTestId('file-tree');
    await tree.waitFor();
    const files = await tree
      .locator('.tree-file')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-path')));
    expect(files.sort()).toEqual(['NOTES.md', 'src/stats.js', 'src/util/format.js']);
    // Directories carry the counts of what is under them.
    expect(await tree.locator('[data-dir="src"] .tree-counts').textContent()).toMatch(/\+71 −1/);

    // Highlighting: token spans from highlight.js in the JavaScript files, none in Markdown's plain lines.
    const stats = file(page, 'src/stats.js');
    await expect.poll(() => stats.locator('.hljs-keyword').count()).toBeGreaterThan(0);
    expect(await stats.getAttribute('data-language')).toBe('javascript');
    await shot(page, 'diff-unified.png');

    // The last file is below the fold; its tree item (keyboard: focus and Enter) brings it to the top.
    const target = file(page, 'src/util/format.js');
    const before = await target.boundingBox();
    expect(before?.y ?? 0).toBeGreaterThan(860);
    await tree.locator('.tree-file[data-path="src/util/format.js"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await target.boundingBox())?.y ?? 9999).toBeLessThan(200);

    // Directories fold with Enter, and unfold again.
    const src = tree.locator('[data-dir="src"]');
    await src.focus();
    await page.keyboard.press('Enter');
    expect(await src.getAttribute('aria-expanded')).toBe('false');
    expect(await tree.locator('.tree-file[data-path="src/stats.js"]').count()).toBe(0);
    await page.keyboard.press('Enter');
    expect(await tree.locator('.tree-file[data-path="src/stats.js"]').count()).toBe(1);

    // Split: the removed line on the left, the line replacing it on the right, in one row.
    await page.getByRole('button', { name: 'Split' }).click();
    const row = stats.locator('tr.split-row', { has: page.locator('td.side-old.del') });
    await expect.poll(() => row.locator('td.side-old').first().textContent()).toContain('let i = 1');
    expect(await row.locator('td.side-new').first().textContent()).toContain('let i = 0');
    expect(await row.locator('td.side-new.add').count()).toBe(1);
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'diff-split.png');
    // Remembered: the next visit opens split.
    await page.reload();
    await file(page, 'src/stats.js').locator('table[data-mode="split"]').waitFor();
    expect(await page.getByRole('button', { name: 'Split' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Unified' }).click();
    await file(page, 'src/stats.js').locator('table[data-mode="unified"]').waitFor();
  }, 90_000);

  it('shows each turn alone, and downloads a patch that applies to the base commit', async () => {
    const page = await open(`/sessions/${delivered.id}?tab=diff`);
    await file(page, 'src/stats.js').waitFor();
    const shown = () =>
      page.locator('.diff-file').evaluateAll((els) => els.map((el) => el.getAttribute('data-path')).sort());
    expect(await shown()).toEqual(['NOTES.md', 'src/stats.js', 'src/util/format.js']);

    const scope = page.getByLabel('Changes shown');
    const options = await scope.locator('option').allTextContents();
    expect(options).toHaveLength(3);
    expect(options[1]).toMatch(/^Turn 1 · /);
    await scope.selectOption({ index: 1 });
    await expect.poll(shown).toEqual(['src/stats.js']);
    await scope.selectOption({ index: 2 });
    await expect.poll(shown).toEqual(['NOTES.md', 'src/util/format.js']);
    await shot(page, 'diff-turn-2.png');

    // A turn's patch is named after it; the whole change's patch applies to the base commit.
    const clone = await mkdtemp(join(tmpdir(), 'drydock-apply-'));
    try {
      const [turnDownload] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download .patch' }).click(),
      ]);
      expect(turnDownload.suggestedFilename()).toBe(`drydock-${delivered.id}-turn-2.patch`);
      await scope.selectOption({ index: 0 });
      await expect.poll(shown).toHaveLength(3);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download .patch' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`drydock-${delivered.id}.patch`);
      const patchPath = join(clone, 'change.patch');
      await download.saveAs(patchPath);
      expect(await readFile(patchPath, 'utf8')).toContain('+++ b/src/util/format.js');
      execFileSync('git', ['clone', '-q', harness.repo, join(clone, 'repo')]);
      execFileSync('git', ['checkout', '-q', delivered.baseCommit ?? ''], { cwd: join(clone, 'repo') });
      // Throws (and fails the test) when the patch does not apply.
      execFileSync('git', ['apply', '--check', patchPath], { cwd: join(clone, 'repo') });
      execFileSync('git', ['apply', patchPath], { cwd: join(clone, 'repo') });
      expect(await readFile(join(clone, 'repo', 'src', 'stats.js'), 'utf8')).toContain('let i = 0');
    } finally {
      await rm(clone, { recursive: true, force: true });
    }
  }, 90_000);

  it('copies the pull request description; a browser that will not copy shows it to copy by hand', async () => {
    const page = await open(`/sessions/${delivered.id}?tab=report`);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const copy = page.getByRole('button', { name: 'Copy PR body' });
    await copy.waitFor();
    // A local repository: no forge, so neither "Open" nor "Create".
    expect(await page.getByRole('button', { name: 'Create pull request' }).count()).toBe(0);
    expect(await page.getByTestId('open-pr').count()).toBe(0);
    await copy.click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    const artifacts = await harness.store.listArtifacts(delivered.id);
    const description = artifacts.filter((a) => a.name === 'pull-request.md').at(-1);
    const body = (await harness.store.getArtifact(description?.id ?? ''))?.content ?? '';
    expect(body).toContain('## ');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(body);
    await shot(page, 'outcome-pull-request.png');

    // A page that may not copy: the Clipboard API refuses and the copy command does nothing.
    await page.evaluate(
      "navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); document.execCommand = () => false;",
    );
    await page.getByRole('button', { name: 'Copy PR body' }).click();
    const fallback = page.locator('#pr-body-copy');
    await fallback.waitFor();
    expect(await fallback.inputValue()).toBe(body);
  }, 60_000);

  it('says what a bowed-out session tried, and reruns it with an edited task', async () => {
    const id = await seedBowOut('sess-bowed', []);
    const page = await open(`/sessions/${id}`);
    const panel = page.getByTestId('outcome-actions');
    const tried = panel.getByTestId('what-was-tried');
    await tried.waitFor();
    const text = await tried.textContent();
    expect(text).toContain('Attempt 1: finished');
    expect(text).toContain('Attempt 2: gave up — the test still fails');
    expect(text).toContain('Verification round 1: failed — test: 1 test fails');
    expect(text).toContain('src/stats.js:3');
    expect(await tried.locator('tr[data-check="test"]').textContent()).toContain('failed (exit 1)');
    // No branch on a finished session: "none", and the follow-up box promises no branch.
    expect(await page.getByTestId('branch').textContent()).toBe('none');
    expect(await page.locator('.follow-up textarea').getAttribute('placeholder')).not.toContain(
      'same branch',
    );
    // No blocked host here: no "Allow … and rerun".
    expect(await panel.getByRole('button', { name: /^Allow / }).count()).toBe(0);
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'outcome-bowed-out.png');

    await panel.getByRole('button', { name: 'Retry with changes' }).click();
    const task = page.getByLabel('Task for the new session');
    expect(await task.inputValue()).toBe('Fix mean() in src/stats.js');
    await task.fill('Fix mean() in src/stats.js; the loop must start at 0');
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'outcome-retry-form.png');
    await page.getByRole('button', { name: 'Start new session' }).click();
    await page.waitForURL((url) => /\/sessions\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith(id));
    const newId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    const rerun = await harness.store.getSession(newId);
    expect(rerun).toMatchObject({
      task: 'Fix mean() in src/stats.js; the loop must start at 0',
      repo: harness.repo,
      createdBy: memberCreator,
    });
    expect(rerun).not.toHaveProperty('allowHosts');
    await page.locator('.session-header h1', { hasText: 'the loop must start at 0' }).waitFor();
  }, 60_000);

  it('reruns a session blocked on a host with that host allowed', async () => {
    const id = await seedBowOut('sess-blocked', [
      { type: 'network.blocked', host: 'registry.example.org', port: 443 },
      { type: 'network.blocked', host: 'registry.example.org', port: 443 },
    ]);
    // A viewer sees what was tried, and no actions.
    const viewer = await open(`/sessions/${id}`, 'viewer');
    await viewer.getByTestId('blocked-hosts').waitFor();
    expect(await viewer.getByRole('button', { name: 'Retry with changes' }).count()).toBe(0);

    const page = await open(`/sessions/${id}`);
    expect(await page.getByTestId('blocked-hosts').textContent()).toContain('registry.example.org:443');
    const allow = page.getByRole('button', { name: 'Allow registry.example.org:443 and rerun' });
    await allow.waitFor();
    await page.evaluate('window.scrollTo(0, 0)');
    await shot(page, 'outcome-blocked-host.png');
    await allow.click();
    await page.waitForURL((url) => /\/sessions\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith(id));
    const newId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    expect(await harness.store.getSession(newId)).toMatchObject({
      task: 'Fix mean() in src/stats.js',
      allowHosts: [{ host: 'registry.example.org', port: 443 }],
    });
  }, 60_000);

  it('sends comments on diff lines as one follow-up quoting file:line and the line', async () => {
    // A viewer reads the diff but may not comment (nor may a member: the session is nobody's token's).
    const viewer = await open(`/sessions/${delivered.id}?tab=diff`, 'viewer');
    await file(viewer, 'src/stats.js').waitFor();
    expect(await viewer.locator('.ln-button').count()).toBe(0);
    const page = await open(`/sessions/${delivered.id}?tab=diff`, 'admin');
    const stats = file(page, 'src/stats.js');
    await stats.waitFor();
    const changed = stats.locator('tr.line.add', { hasText: 'let i = 0' });
    const lineNumber = Number(await changed.getAttribute('data-new'));
    expect(lineNumber).toBeGreaterThan(0);
    await changed.getByRole('button', { name: `Comment on src/stats.js:${lineNumber}` }).click();
    await page
      .getByRole('textbox', { name: `Comment on src/stats.js:${lineNumber}` })
      .fill('Say why it starts at 0.');
    await page.getByRole('button', { name: 'Add comment' }).click();
    // A second one, with the keyboard, on the removed line.
    const removed = stats.locator('tr.line.del', { hasText: 'let i = 1' });
    const oldNumber = Number(await removed.getAttribute('data-old'));
    await removed
      .getByRole('button', { name: `Comment on src/stats.js:${oldNumber} (removed line)` })
      .focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('This was the bug.');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.getByTestId('comments-bar').textContent()).toContain('2 comments');
    await shot(page, 'diff-comments.png');

    await page.getByRole('button', { name: 'Send as a follow-up' }).click();
    await expect.poll(() => page.getByTestId('comments-bar').textContent()).toContain('Sent to the agent');
    const messages = (await harness.store.listEvents(delivered.id)).flatMap((event) =>
      event.data.type === 'message.received' ? [event.data.text] : [],
    );
    const sent = messages.at(-1) ?? '';
    expect(messages).toHaveLength(2);
    expect(sent).toContain(`src/stats.js:${lineNumber}\n> `);
    expect(sent).toContain('let i = 0');
    expect(sent).toContain('Say why it starts at 0.');
    expect(sent).toContain(`src/stats.js:${oldNumber} (removed line)`);
    expect(sent).toContain('This was the bug.');
  }, 60_000);

  /** A bowed-out session of the member's, with what it tried in its events (and `extra` ones). */
  async function seedBowOut(id: string, extra: EventData[]): Promise<string> {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: harness.repo, encoding: 'utf8' }).trim();
    await harness.store.createSession(
      newSession(id, {
        task: 'Fix mean() in src/stats.js',
        repo: harness.repo,
        baseCommit: head,
        model: 'script:demo',
        createdBy: memberCreator,
      }),
    );
    const check = {
      name: 'test',
      command: 'npm test',
      exitCode: 1,
      timedOut: false,
      tests: { passed: 1, failed: 1, skipped: 0 },
      diagnostics: null,
      durationMs: 800,
      outputTail: 'mean fails',
    };
    await harness.store.record(id, {
      events: [
        { type: 'state.changed', from: 'queued', to: 'working' },
        ...extra,
        { type: 'agent.stopped', step: 4, outcome: 'finished', detail: 'changed the loop' },
        { type: 'checks.completed', phase: 'after', round: 1, checks: [check] },
        {
          type: 'gate.verdict',
          round: 1,
          passed: false,
          problems: ['test: 1 test fails'],
          warnings: [],
          failToPass: [],
          passToPass: 1,
        },
        {
          type: 'review.completed',
          round: 1,
          approved: false,
          summary: 'Off by one',
          findings: [
            {
              id: 'f1',
              round: 1,
              file: 'src/stats.js',
              line: 3,
              severity: 'major',
              explanation: 'still skips one',
            },
          ],
        },
        { type: 'agent.stopped', step: 9, outcome: 'gave_up', detail: 'the test still fails' },
        { type: 'state.changed', from: 'working', to: 'bowed_out' },
      ],
      patch: { state: 'bowed_out', reason: 'the test still fails' },
    });
    return id;
  }
});
