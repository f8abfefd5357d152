import { describe, expect, it } from 'vitest';
import { splitInlineCode } from './inline-code.ts';

describe('splitInlineCode', () => {
  it('turns backtick spans into code and leaves the rest as text', () => {
    expect(splitInlineCode('Fix `mean()` in `src/stats.js` now')).toEqual([
      { code: false, text: 'Fix ' },
      { code: true, text: 'mean()' },
      { code: false, text: ' in ' },
      { code: true, text: 'src/stats.js' },
      { code: false, text: ' now' },
    ]);
  });

  it('keeps unmatched and empty backticks as text', () => {
    expect(splitInlineCode('a ` b')).toEqual([{ code: false, text: 'a ` b' }]);
    expect(splitInlineCode('``')).toEqual([{ code: false, text: '``' }]);
    expect(splitInlineCode('')).toEqual([]);
  });
});
