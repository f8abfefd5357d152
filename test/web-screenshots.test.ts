import { beforeAll, describe, expect, it } from 'vitest';
import { encodeBinaryArtifact } from '../src/core/binary-artifact.ts';
import type { RunningServer } from '../src/server/start-server.ts';
import { createHarness, type Harness, startTestServer } from './support/server-harness.ts';
import { buildWeb, HAS_CHROMIUM, useChromium } from './support/web-browser.ts';

// A 3 × 2 PNG: the page must decode the served bytes to get its size.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAEElEQVR4nGP4z8AAQQxwFgBB0gX7h/C5SAAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A browser screenshot in the timeline, in real Chromium against the real control plane (no worker):
 * the `browser` call's entry shows its PNG, fetched with the bearer token and served as bytes.
 */
describe.skipIf(!HAS_CHROMIUM)('screenshots in the timeline', () => {
  let harness: Harness;
  let server: RunningServer;
  let sessionId: string;
  let artifactId: string;

  beforeAll(async () => {
    const webRoot = await buildWeb();
    harness = await createHarness();
    await harness.register();
    server = await startTestServer(harness, { noWorker: true, webRoot });
    const response = await fetch(`${server.url}/api/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: harness.repo, task: 'Rename the heading' }),
    });
    sessionId = ((await response.json()) as { id: string }).id;
    const artifact = await harness.store.putArtifact({
      sessionId,
      name: 'screenshot-after-home.png',
      contentType: 'image/png',
      content: encodeBinaryArtifact(PNG),
    });
    artifactId = artifact.id;
    // What the coder's loop records for a screenshot call.
    await harness.store.record(sessionId, {
      events: [
        {
          type: 'tool.call',
          step: 1,
          toolCallId: 'c1',
          tool: 'browser',
          input: { action: 'screenshot', name: 'after-home' },
        },
        {
          type: 'tool.result',
          step: 1,
          toolCallId: 'c1',
          tool: 'browser',
          isError: false,
          summary: 'screenshot after-home',
          output: `Saved screenshot after-home (1 KiB PNG, artifact ${artifactId})`,
          images: [{ name: 'after-home', artifactId }],
          durationMs: 40,
        },
      ],
    });
  }, 120_000);

  const pages = useChromium(async () => {
    await server?.close(20_000);
    await harness?.close();
  });

  it('serves the artifact as PNG bytes and shows it in the browser call’s entry', async () => {
    const served = await fetch(`${server.url}/api/sessions/${sessionId}/artifacts/${artifactId}`, {
      headers: { authorization: `Bearer ${harness.tokens.admin}` },
    });
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(PNG)).toBe(true);

    const page = await pages.newPage();
    await page.goto(`${server.url}/sessions/${sessionId}#token=${harness.tokens.admin}`);
    const image = page.locator(`details[data-tool="browser"] figure[data-artifact="${artifactId}"] img`);
    await expect.poll(() => image.count(), { timeout: 30_000 }).toBe(1);
    await expect
      .poll(
        () =>
          image.evaluate(
            (img: { naturalWidth: number; naturalHeight: number }) =>
              `${img.naturalWidth}x${img.naturalHeight}`,
          ),
        {
          timeout: 10_000,
        },
      )
      .toBe('3x2');
    expect(await page.locator('figure.tool-image figcaption').textContent()).toBe('after-home');
  });
});
