import { describe, expect, it } from 'vitest';
import type { ChangeReview } from '../core/change-review.ts';
import type { ReviewFinding } from '../core/events.ts';
import {
  commentableLines,
  findingCommentBody,
  findingKey,
  keyOfComment,
  oneLineReplacement,
  planReview,
  SUMMARY_MARKER,
  summaryBody,
} from './review-comments.ts';
import type { PostedFinding } from './review-link.ts';

const finding = (
  over: Partial<ReviewFinding> & Pick<ReviewFinding, 'file' | 'explanation'>,
): ReviewFinding => ({
  id: 'R1-1',
  round: 1,
  severity: 'minor',
  ...over,
});
const posted = (f: ReviewFinding, commentId: number | null): PostedFinding => ({
  commentId,
  key: findingKey(f),
  file: f.file,
  ...(f.line === undefined ? {} : { line: f.line }),
  severity: f.severity,
  explanation: f.explanation,
});

const DIFF = `diff --git a/src/a.js b/src/a.js
index 1111111..2222222 100644
--- a/src/a.js
+++ b/src/a.js
@@ -1,4 +1,4 @@
 one
-two
+TWO
 three
 four
@@ -20,2 +20,3 @@ function x() {
 twenty
+added
 twenty-one
diff --git a/gone.js b/gone.js
deleted file mode 100644
index 3333333..0000000
--- a/gone.js
+++ /dev/null
@@ -1 +0,0 @@
-bye
`;

describe('findingKey', () => {
  it('is the same for the same file and explanation, whatever the spacing, case or line', () => {
    const a = findingKey({ file: 'src/a.js', explanation: 'The loop  starts at 1.' });
    expect(findingKey({ file: 'src/a.js', explanation: ' the loop starts\nat 1. ' })).toBe(a);
    expect(findingKey({ file: 'src/b.js', explanation: 'The loop starts at 1.' })).not.toBe(a);
    expect(findingKey({ file: 'src/a.js', explanation: 'The loop starts at 2.' })).not.toBe(a);
  });
});

describe('commentableLines', () => {
  it('is the new side of every hunk: added and context lines, not removed ones, not deleted files', () => {
    const lines = commentableLines(DIFF);
    expect([...(lines.get('src/a.js') ?? [])].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 20, 21, 22]);
    expect(lines.has('gone.js')).toBe(false);
  });
});

describe('oneLineReplacement', () => {
  it.each([
    ['`if (n > high) high = n;`', 'if (n > high) high = n;'],
    ['```js\n  return total / numbers.length;\n```', '  return total / numbers.length;'],
    ['```\nx\n```', 'x'],
    ['Start the loop at 0.', null],
    ['Use `i = 0` in the loop.', null],
    ['```js\na\nb\n```', null],
    [undefined, null],
  ])('%j → %j', (fix, expected) => expect(oneLineReplacement(fix)).toBe(expected));
});

describe('findingCommentBody', () => {
  it('has the severity, the explanation, a suggestion for a one-line fix, the evidence collapsed and its key', () => {
    const f = finding({
      file: 'src/a.js',
      line: 2,
      severity: 'minor',
      downgradedFrom: 'major',
      explanation: 'TWO is wrong.',
      suggestedFix: '`two`',
      evidence: {
        command: 'node --test <x>',
        output: `${'noise\n'.repeat(1000)}FAIL two`,
        verified: false,
        exitCode: 1,
      },
    });
    const body = findingCommentBody(f);
    expect(body).toContain('**minor** (was major: not shown): TWO is wrong.');
    expect(body).toContain('```suggestion\ntwo\n```');
    expect(body).toContain(
      '<summary>Evidence (not verified): <code>node --test &lt;x&gt;</code>, exit 1</summary>',
    );
    // The output's tail, cut.
    expect(body).toContain('FAIL two');
    expect(body.length).toBeLessThan(3000);
    expect(keyOfComment(body)).toBe(findingKey(f));
    expect(findingCommentBody({ ...f, suggestedFix: 'Spell it two.' })).toContain(
      'Suggested fix: Spell it two.',
    );
  });
});

describe('planReview', () => {
  const lines = commentableLines(DIFF);
  const onDiff = finding({ file: 'src/a.js', line: 2, explanation: 'On the diff.' });
  const offDiff = finding({ file: 'src/a.js', line: 10, explanation: 'Off the diff.' });
  const noLine = finding({ file: 'README.md', explanation: 'No line.' });

  it('first review: findings on the diff inline, the rest in the body, one per key', () => {
    const plan = planReview([onDiff, offDiff, noLine, { ...onDiff, id: 'R1-9', line: 3 }], lines, null);
    expect(plan.inline.map((f) => f.explanation)).toEqual(['On the diff.']);
    expect(plan.inBody.map((f) => f.explanation)).toEqual(['Off the diff.', 'No line.']);
    expect(plan).toMatchObject({ kept: [], gone: [] });
  });

  it('a later review keeps standing comments, posts only new ones, and lets go the gone ones', () => {
    const fixed = finding({ file: 'src/a.js', line: 21, explanation: 'Fixed since.' });
    const fresh = finding({ file: 'src/a.js', line: 22, explanation: 'New.' });
    const previous = [posted(onDiff, 11), posted(fixed, 12), posted(noLine, null)];
    // The standing finding moved a line: still the same comment.
    const plan = planReview([{ ...onDiff, line: 3 }, fresh, noLine], lines, previous);
    expect(plan.kept).toEqual([posted(onDiff, 11)]);
    expect(plan.inline.map((f) => f.explanation)).toEqual(['New.']);
    expect(plan.inBody.map((f) => f.explanation)).toEqual(['No line.']);
    expect(plan.gone).toEqual([posted(fixed, 12)]);
  });
});

describe('summaryBody', () => {
  it('carries the marker, the head, the counts, the summary, findings outside the diff and what was fixed', () => {
    const review: ChangeReview = {
      version: 1,
      base: 'main',
      head: 'abc',
      baseCommit: 'b'.repeat(40),
      headCommit: 'c'.repeat(40),
      summary: 'Mostly fine.',
      findings: [finding({ file: 'README.md', explanation: 'No line.' })],
      dropped: [],
      verified: 0,
      parts: 1,
    };
    const body = summaryBody({
      review,
      headSha: 'c'.repeat(40),
      inBody: review.findings,
      inlineCount: 2,
      fixed: [posted(finding({ file: 'src/a.js', line: 3, explanation: 'Was wrong.' }), 5)],
      sessionUrl: 'https://drydock.example/sessions/s1',
    });
    expect(body.startsWith(SUMMARY_MARKER)).toBe(true);
    expect(body).toContain(`drydock review of ${'c'.repeat(12)}`);
    expect(body).toContain('1 finding (1 minor), 0 verified.');
    expect(body).toContain('2 findings are commented inline.');
    expect(body).toContain('#### `README.md`');
    expect(body).toContain('- `src/a.js:3`: Was wrong.');
    expect(body).toContain('drydock session: https://drydock.example/sessions/s1');
  });
});
