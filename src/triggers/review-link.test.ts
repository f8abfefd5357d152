import { describe, expect, it } from 'vitest';
import { type PostedFinding, type ReviewLinkData, reviewsThatPosted } from './review-link.ts';

const posted = (key: string, commentId: number | null = 1): PostedFinding => ({
  commentId,
  key,
  file: 'src/a.ts',
  severity: 'minor',
  explanation: key,
});

function review(
  sessionId: string,
  keys: string[],
  published = true,
): { link: { sessionId: string }; data: ReviewLinkData } {
  return {
    link: { sessionId },
    data: {
      review: true,
      repo: 'acme/app',
      pull: 7,
      requester: 'automatic',
      headSha: `${sessionId}-head`,
      ...(published ? { reviewId: 1, findings: keys.map((key) => posted(key)) } : {}),
    },
  };
}

describe('reviewsThatPosted', () => {
  it('names every published review that posted one of the keys, with the keys it posted', () => {
    // A posted k1 and k2; B kept k1 (its comment carried over) and added k3; C is the review that found them gone.
    const links = [review('A', ['k1', 'k2']), review('B', ['k1', 'k3']), review('C', ['k3'])];
    expect(reviewsThatPosted(links, ['k1', 'k2'], 'C')).toEqual([
      { sessionId: 'A', keys: ['k1', 'k2'] },
      { sessionId: 'B', keys: ['k1'] },
    ]);
  });

  it('leaves out the review that learned it, reviews never published, and keys nobody posted', () => {
    const links = [review('A', ['k1']), review('U', ['k1'], false), review('C', ['k1'])];
    expect(reviewsThatPosted(links, ['k1'], 'C')).toEqual([{ sessionId: 'A', keys: ['k1'] }]);
    expect(reviewsThatPosted(links, ['not-posted'])).toEqual([]);
    expect(reviewsThatPosted(links, [])).toEqual([]);
  });

  it('names a key once per review even when the review listed it twice', () => {
    const twice = review('A', ['k1']);
    twice.data.findings = [posted('k1'), posted('k1', null)];
    expect(reviewsThatPosted([twice], ['k1'])).toEqual([{ sessionId: 'A', keys: ['k1'] }]);
  });
});
