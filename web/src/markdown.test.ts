import { describe, expect, it } from 'vitest';
import { parseInline, parseMarkdown } from './markdown.ts';

describe('parseMarkdown', () => {
  it('reads headings, paragraphs, lists, code fences and tables', () => {
    const blocks = parseMarkdown(
      '## Summary\n\nFixed the loop.\nIt starts at 0.\n\n- one\n- two\n\n```sh\nnpm test\n```\n\n| check | before |\n| --- | --- |\n| test | fail |\n',
    );
    expect(blocks).toEqual([
      { kind: 'heading', level: 2, text: 'Summary' },
      { kind: 'paragraph', text: 'Fixed the loop.\nIt starts at 0.' },
      { kind: 'list', ordered: false, items: ['one', 'two'] },
      { kind: 'code', lang: 'sh', text: 'npm test' },
      {
        kind: 'table',
        rows: [
          ['check', 'before'],
          ['test', 'fail'],
        ],
      },
    ]);
  });

  it('splits inline code, strong and emphasis', () => {
    expect(parseInline('run `npm test` **now**, *please* a*b')).toEqual([
      { kind: 'text', text: 'run ' },
      { kind: 'code', text: 'npm test' },
      { kind: 'text', text: ' ' },
      { kind: 'strong', text: 'now' },
      { kind: 'text', text: ', ' },
      { kind: 'em', text: 'please' },
      { kind: 'text', text: ' a*b' },
    ]);
  });
});
