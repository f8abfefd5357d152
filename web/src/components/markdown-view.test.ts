import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MarkdownView } from './markdown-view.tsx';

const render = (source: string) => renderToStaticMarkup(createElement(MarkdownView, { source }));

describe('MarkdownView', () => {
  it('renders headings a level down, paragraphs, lists, code fences and tables', () => {
    const html = render(
      '# Title\n\n## Summary\n\nFixed the loop.\nIt starts at 0.\n\n- one\n- `two`\n\n```sh\nnpm test\n```\n\n| check | before |\n| --- | --- |\n| test | **fail** |\n',
    );
    expect(html).toContain('<h2>Title</h2>');
    expect(html).toContain('<h3>Summary</h3>');
    expect(html).toContain('<p>Fixed the loop.\nIt starts at 0.</p>');
    expect(html).toContain('<li><code>two</code></li>');
    expect(html).toContain('<pre class="code"><code class="language-sh">npm test\n</code></pre>');
    expect(html).toContain('<table class="md-table">');
    expect(html).toContain('<th>check</th>');
    expect(html).toContain('<td><strong>fail</strong></td>');
  });

  it("nests a finding's answer under it in a PR description, multi-line texts included", () => {
    const html = render(
      [
        'Reviewer: fine',
        '',
        '- [R1-1] major src/a.js:3: Divides by the wrong length.',
        '  It also ignores empty lists.',
        '  - fixed: Now divides by n.',
        '    And returns 0 for [].',
        '- [R1-2] nit b.js: naming',
        '  - rejected: kept for symmetry',
      ].join('\n'),
    );
    expect(html.match(/<ul>/g)).toHaveLength(3);
    expect(html).toMatch(
      /<li>\[R1-1\][^<]*It also ignores empty lists\.\n<ul>\n<li>fixed: Now divides by n\.\nAnd returns 0 for \[\]\.<\/li>/,
    );
  });

  it("shows HTML in a model's or reviewer's text as text, never as elements", () => {
    const html = render(
      [
        '## Summary',
        '',
        'Fixed it. <script>window.pwned = 1</script>',
        '',
        '<img src=x onerror="window.pwned = 2">',
        '',
        'Reviewer: <b onmouseover="window.pwned = 3">looks good</b>',
      ].join('\n'),
    );
    expect(html).not.toMatch(/<(script|img|b)[\s>]/);
    expect(html).toContain('&lt;script&gt;window.pwned = 1&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;window.pwned = 2&quot;&gt;');
    expect(html).toContain('&lt;b onmouseover=&quot;window.pwned = 3&quot;&gt;looks good&lt;/b&gt;');
  });

  it('opens links apart from the UI, drops script URLs, and turns images into links', () => {
    const html = render(
      'See [the docs](https://example.com/docs), https://example.com/bare, [this](javascript:alert(1)) and ![a chart](https://tracker.example/p.png?who=you).',
    );
    expect(html).toContain(
      '<a href="https://example.com/docs" target="_blank" rel="noopener noreferrer">the docs</a>',
    );
    expect(html).toContain(
      '<a href="https://example.com/bare" target="_blank" rel="noopener noreferrer">https://example.com/bare</a>',
    );
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('<img');
    expect(html).toContain(
      '<a href="https://tracker.example/p.png?who=you" target="_blank" rel="noopener noreferrer">a chart</a>',
    );
  });
});
