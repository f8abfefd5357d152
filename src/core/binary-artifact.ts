/**
 * Artifacts are text in the store. A binary one (a browser screenshot) is kept as the base64 of its
 * bytes, told apart by its content type; whoever serves or reads it decodes it here.
 */
export const BINARY_ARTIFACT_TYPES: readonly string[] = ['image/png'];

export function isBinaryArtifact(contentType: string): boolean {
  return BINARY_ARTIFACT_TYPES.includes(contentType);
}

/** What the store keeps for a binary artifact's bytes. */
export function encodeBinaryArtifact(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** The artifact's content as it is served: its bytes for a binary type, else its text. */
export function artifactBody(artifact: {
  contentType: string;
  content: string;
}): string | Uint8Array<ArrayBuffer> {
  return isBinaryArtifact(artifact.contentType)
    ? new Uint8Array(Buffer.from(artifact.content, 'base64'))
    : artifact.content;
}

/** The artifact name of a browser screenshot the agent called `name`. */
export function screenshotArtifactName(name: string): string {
  return `screenshot-${name}.png`;
}

/** The agent's name of a screenshot artifact, or null for any other artifact. */
export function screenshotName(artifact: { name: string; contentType: string }): string | null {
  const match = /^screenshot-(.+)\.png$/.exec(artifact.name);
  return match?.[1] !== undefined && artifact.contentType === 'image/png' ? match[1] : null;
}

/** Where drydock serves an artifact, from its root: links in a PR description are made absolute on publishing. */
export function artifactPath(sessionId: string, artifactId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/artifacts/${encodeURIComponent(artifactId)}`;
}

/** A description's drydock links (`](/api/sessions/…`) made absolute under drydock's public URL. */
export function absoluteDrydockLinks(markdown: string, publicUrl: string): string {
  return markdown.replaceAll('](/api/sessions/', `](${publicUrl.replace(/\/+$/, '')}/api/sessions/`);
}
