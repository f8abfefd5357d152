import { createSandboxBrowser } from '../agent/browser/sandbox-browser.ts';
import type { ToolDefinition } from '../agent/tool.ts';
import { createBrowserTool } from '../agent/tools/browser.ts';
import { encodeBinaryArtifact, screenshotArtifactName, screenshotName } from '../core/binary-artifact.ts';
import type { Screenshot } from './screenshots-section.ts';
import type { SessionRun } from './session-run.ts';

/**
 * The coder's `browser` tool for this run: Chromium in the session's sandbox, started on first use;
 * screenshots stored as PNG artifacts of the session (not redacted: a picture has no text to replace,
 * so a page must not show a secret). `close` stops Chromium when the coder's turn ends.
 */
export function sessionBrowser(run: SessionRun): { tool: ToolDefinition; close(): Promise<void> } {
  const browser = createSandboxBrowser({ sandbox: () => run.sandbox });
  const tool = createBrowserTool(browser, async (name, png) => {
    const artifact = await run.deps.store.putArtifact({
      sessionId: run.recorder.session.id,
      name: screenshotArtifactName(name),
      contentType: 'image/png',
      content: encodeBinaryArtifact(png),
    });
    return artifact.id;
  });
  return { tool, close: () => browser.close() };
}

/** The session's screenshots for its PR description: the newest of each name, in the order first taken. */
export async function sessionScreenshots(run: SessionRun): Promise<Screenshot[]> {
  const artifacts = await run.deps.store.listArtifacts(run.recorder.session.id);
  const newest = new Map<string, Screenshot>();
  for (const artifact of artifacts) {
    const name = screenshotName(artifact);
    if (name !== null) newest.set(name, { name, artifactId: artifact.id });
  }
  return [...newest.values()];
}
