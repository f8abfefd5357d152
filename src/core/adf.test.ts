import { describe, expect, it } from 'vitest';
import { adfMentionIds, adfToText, textToAdf } from './adf.ts';

describe('ADF', () => {
  it('writes a paragraph per line with links marked, and reads it back as the same text', () => {
    const doc = textToAdf('drydock is on it: https://drydock.example/sessions/s1\n\nsecond');
    expect(doc.content[0]).toEqual({
      type: 'paragraph',
      content: [
        { type: 'text', text: 'drydock is on it: ' },
        {
          type: 'text',
          text: 'https://drydock.example/sessions/s1',
          marks: [{ type: 'link', attrs: { href: 'https://drydock.example/sessions/s1' } }],
        },
      ],
    });
    expect(adfToText(doc)).toBe('drydock is on it: https://drydock.example/sessions/s1\n\nsecond');
  });

  it('reads lists, hard breaks and mentions; a string as itself; anything else as empty', () => {
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'mention', attrs: { text: '@Alice' } },
            { type: 'text', text: ' see:' },
          ],
        },
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'one' }] }] },
          ],
        },
        {
          type: 'paragraph',
          content: [{ type: 'text', text: 'a' }, { type: 'hardBreak' }, { type: 'text', text: 'b' }],
        },
      ],
    };
    expect(adfToText(doc)).toBe('@Alice see:\none\n\na\nb');
    expect(adfToText('plain *wiki*')).toBe('plain *wiki*');
    expect(adfToText(null)).toBe('');
  });

  it('lists the accounts a document mentions, and leaves one account’s mentions out of its text', () => {
    const doc = {
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'mention', attrs: { id: 'acc-drydock', text: '@drydock' } },
            { type: 'text', text: ' ask ' },
            { type: 'mention', attrs: { id: 'acc-alice', text: '@Alice' } },
          ],
        },
      ],
    };
    expect(adfMentionIds(doc)).toEqual(['acc-drydock', 'acc-alice']);
    expect(adfToText(doc)).toBe('@drydock ask @Alice');
    expect(adfToText(doc, { omitMentionOf: 'acc-drydock' })).toBe('ask @Alice');
    expect(adfMentionIds('[~accountid:acc-drydock]')).toEqual([]);
    expect(adfMentionIds({ type: 'doc', content: [null, { type: 'mention', attrs: { id: 7 } }] })).toEqual(
      [],
    );
  });
});
