import { splitInlineCode } from '../inline-code.ts';

/** A one-line text with its `code spans` shown as code (titles, summaries, tasks in lists). */
export function InlineCode({ text }: { text: string }) {
  return (
    <>
      {splitInlineCode(text).map((part, index) =>
        part.code ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed text, never reordered
          <code key={index} className="inline-code">
            {part.text}
          </code>
        ) : (
          part.text
        ),
      )}
    </>
  );
}
