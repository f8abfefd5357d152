import type { ComponentProps } from 'react';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

/**
 * Headings one level down (the page has its own h1), and nothing a report could use to act for its
 * reader: links open apart from the UI and pass it no reference, and images are links rather than fetches
 * (an image URL in a model's text would otherwise tell its host who reads the report, and when).
 */
const components: Components = {
  h1: ({ node: _, ...props }) => <h2 {...props} />,
  h2: ({ node: _, ...props }) => <h3 {...props} />,
  h3: ({ node: _, ...props }) => <h4 {...props} />,
  h4: ({ node: _, ...props }) => <h5 {...props} />,
  h5: ({ node: _, ...props }) => <h6 {...props} />,
  a: ({ node: _, ...props }) => <ExternalLink {...props} />,
  img: ({ src, alt }) => (
    <ExternalLink href={typeof src === 'string' ? src : undefined}>{alt || 'image'}</ExternalLink>
  ),
  pre: ({ node: _, ...props }) => <pre className="code" {...props} />,
  table: ({ node: _, ...props }) => <table className="md-table" {...props} />,
};

function ExternalLink(props: ComponentProps<'a'>) {
  return <a {...props} target="_blank" rel="noopener noreferrer" />;
}

/**
 * drydock's reports (pull-request.md, report.md), whose text comes from models and reviewers: Markdown with
 * GitHub's tables, as React elements. HTML in the source shows as text; it is never parsed or injected.
 */
export function MarkdownView({ source }: { source: string }) {
  return (
    <div className="markdown">
      <Markdown remarkPlugins={[remarkGfm]} components={components}>
        {source}
      </Markdown>
    </div>
  );
}
