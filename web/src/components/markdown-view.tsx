import { type InlinePart, parseInline, parseMarkdown } from '../markdown.ts';

function Inline({ text }: { text: string }) {
  return (
    <>
      {parseInline(text).map((part: InlinePart, i) => {
        const key = `${i}:${part.kind}`;
        if (part.kind === 'code') return <code key={key}>{part.text}</code>;
        if (part.kind === 'strong') return <strong key={key}>{part.text}</strong>;
        if (part.kind === 'em') return <em key={key}>{part.text}</em>;
        return <span key={key}>{part.text}</span>;
      })}
    </>
  );
}

/** drydock's reports as React elements; no HTML from the document is ever injected. */
export function MarkdownView({ source }: { source: string }) {
  return (
    <div className="markdown">
      {parseMarkdown(source).map((block, i) => {
        const key = `${i}:${block.kind}`;
        switch (block.kind) {
          case 'heading': {
            const Tag = `h${Math.min(block.level + 1, 6)}` as 'h2';
            return (
              <Tag key={key}>
                <Inline text={block.text} />
              </Tag>
            );
          }
          case 'paragraph':
            return (
              <p key={key}>
                <Inline text={block.text} />
              </p>
            );
          case 'list': {
            const Tag = block.ordered ? 'ol' : 'ul';
            return (
              <Tag key={key}>
                {block.items.map((item, j) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: list items are static text
                  <li key={j}>
                    <Inline text={item} />
                  </li>
                ))}
              </Tag>
            );
          }
          case 'code':
            return (
              <pre key={key} className="code">
                {block.text}
              </pre>
            );
          case 'quote':
            return (
              <blockquote key={key}>
                <Inline text={block.text} />
              </blockquote>
            );
          case 'table':
            return (
              <table key={key} className="md-table">
                <tbody>
                  {block.rows.map((row, r) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: rows are static text
                    <tr key={r}>
                      {row.map((cell, c) => {
                        const Cell = r === 0 ? 'th' : 'td';
                        return (
                          // biome-ignore lint/suspicious/noArrayIndexKey: cells are static text
                          <Cell key={c}>
                            <Inline text={cell} />
                          </Cell>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          case 'rule':
            return <hr key={key} />;
        }
        return null;
      })}
    </div>
  );
}
