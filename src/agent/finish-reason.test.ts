import { describe, expect, it } from 'vitest';
import { refusalReason, replyDisposition, truncatedReplyNotice } from './finish-reason.ts';

describe('replyDisposition', () => {
  it.each([
    ['tool-calls', 'run'],
    ['stop', 'run'],
    ['other', 'run'],
    ['length', 'truncated'],
    ['content-filter', 'refused'],
  ] as const)('%s → %s', (finishReason, disposition) => {
    expect(replyDisposition(finishReason)).toBe(disposition);
  });
});

describe('messages', () => {
  it('names the limit when it is known', () => {
    expect(truncatedReplyNotice(8192)).toContain('cut off at 8192 output tokens');
    expect(truncatedReplyNotice(undefined)).toContain('cut off at the output token limit');
  });

  it('keeps what the model said when it refused', () => {
    expect(refusalReason('  no.  ')).toBe('the provider stopped the reply (content filter or refusal): no.');
    expect(refusalReason('')).toBe('the provider stopped the reply (content filter or refusal)');
  });
});
