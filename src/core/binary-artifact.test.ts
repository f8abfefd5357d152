import { describe, expect, it } from 'vitest';
import {
  absoluteDrydockLinks,
  artifactBody,
  encodeBinaryArtifact,
  screenshotArtifactName,
  screenshotName,
} from './binary-artifact.ts';

describe('binary artifacts', () => {
  it('serves a PNG as its bytes and any text artifact as it is', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    const body = artifactBody({ contentType: 'image/png', content: encodeBinaryArtifact(png) });
    expect(body).toEqual(png);
    expect(artifactBody({ contentType: 'text/plain', content: 'aGk=' })).toBe('aGk=');
  });

  it('names screenshots and recognises only PNG screenshot artifacts', () => {
    expect(screenshotArtifactName('after-home')).toBe('screenshot-after-home.png');
    expect(screenshotName({ name: 'screenshot-after-home.png', contentType: 'image/png' })).toBe(
      'after-home',
    );
    expect(screenshotName({ name: 'screenshot-x.png', contentType: 'text/plain' })).toBe(null);
    expect(screenshotName({ name: 'pull-request.md', contentType: 'text/markdown' })).toBe(null);
  });

  it("makes drydock's own links absolute and leaves others alone", () => {
    const markdown = '![a](/api/sessions/s1/artifacts/a1) [b](https://x.example/api/sessions/z)';
    expect(absoluteDrydockLinks(markdown, 'https://drydock.example/')).toBe(
      '![a](https://drydock.example/api/sessions/s1/artifacts/a1) [b](https://x.example/api/sessions/z)',
    );
  });
});
