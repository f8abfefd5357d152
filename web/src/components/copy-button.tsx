import { useState } from 'react';

export function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard (plain http on another host): the text is selectable.
    }
  };
  return (
    <button type="button" className="button ghost small" onClick={copy}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}
