import { type Redact, secretPlaceholder } from './redaction.ts';

/** Redacts text that arrives in chunks, so a secret split between two chunks is still hidden. */
export interface StreamingRedactor {
  /** The redacted text that is safe to pass on now; the rest is held back for the next chunk. */
  push(chunk: string): string;
  /** What is held back, redacted: at the end of the stream. The redactor can be used again after. */
  flush(): string;
}

/**
 * Passes on each chunk at once except its tail from where more text could complete an occurrence of
 * a secret (`Redact.pendingFrom`: never more than the longest form spans, less one) and never cuts
 * through an occurrence it found. So what it passes on, joined, is what `redact` makes of the whole
 * stream, however the stream is split. Pure (state lives in the returned object).
 */
export function createStreamingRedactor(redact: Redact): StreamingRedactor {
  let held = '';
  return {
    push(chunk) {
      const text = held + chunk;
      const spans = redact.find(text);
      let cut = redact.pendingFrom(text);
      for (const span of spans) if (span.start < cut && cut < span.end) cut = span.start;
      let out = '';
      let at = 0;
      for (const span of spans) {
        if (span.end > cut) break;
        out += text.slice(at, span.start) + secretPlaceholder(span.name, span.form);
        at = span.end;
      }
      held = text.slice(cut);
      return out + text.slice(at, cut);
    },
    flush() {
      const out = redact(held);
      held = '';
      return out;
    },
  };
}
