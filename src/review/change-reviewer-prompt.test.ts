import { describe, expect, it } from 'vitest';
import { changeReviewRequest } from './change-reviewer-prompt.ts';

const base = {
  task: 'Review main..feature',
  verification: 'The checks pass on both.',
  chunk: { files: ['src/a.ts'], diff: '--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-a\n+b\n' },
  part: 1,
  parts: 1,
  allFiles: ['src/a.ts'],
  around: [],
};

describe('changeReviewRequest', () => {
  it("gives the reviewer the repository's approved knowledge after its instructions, before the verification", () => {
    const knowledge = '# Repository knowledge\n\n## Run `node --test` after touching src/a.ts';
    const request = changeReviewRequest({ ...base, instructions: 'Use tabs.', knowledge });
    expect(request).toContain(knowledge);
    expect(request.indexOf('Use tabs.')).toBeLessThan(request.indexOf(knowledge));
    expect(request.indexOf(knowledge)).toBeLessThan(request.indexOf('# Verification'));
  });

  it('has no knowledge section when none is relevant', () => {
    expect(changeReviewRequest({ ...base, knowledge: '' })).not.toContain('Repository knowledge');
  });
});
