import { placeholdersIn, type Redact, secretPlaceholder } from '../../core/redaction.ts';

export type EditPlan = { content: string; line: number } | { problem: string };

/**
 * What `edit_file` writes when the model replaces `oldText` with `newText` in a file whose real
 * content is `real`. The model saw the file redacted, so the edit is found in that view, and applied
 * to the real content only where the result, redacted, is exactly the view with the edit made: the
 * secret values stay in the file, byte for byte. An edit whose texts hold a secret's placeholder, or
 * that would change a secret's value, is refused with what to do instead. Without secrets it is a
 * plain exact-once replacement. Pure.
 */
export function planEdit(
  real: string,
  oldText: string,
  newText: string,
  redact: Redact,
  path: string,
): EditPlan {
  const inOld = placeholdersIn(oldText, redact.names);
  if (inOld.length > 0) {
    return {
      problem:
        `This part of ${path} holds the secret ${inOld.join(', ')}, which drydock shows you only as ` +
        `${placeholders(inOld)}; the file has the real value. Edit around it: choose an oldText that ends ` +
        'before the placeholder or starts after it, and leave that line as it is.',
    };
  }
  const inNew = placeholdersIn(newText, redact.names);
  if (inNew.length > 0) return { problem: writesPlaceholder(path, inNew, 'newText') };
  const shown = redact(real);
  const matches = findAll(shown, oldText);
  if (matches.length === 0) {
    return {
      problem: `oldText was not found in ${path}. It must match exactly, whitespace included; read the file again and copy the text.`,
    };
  }
  if (matches.length > 1) {
    const lines = matches.map((offset) => lineOf(shown, offset)).join(', ');
    return {
      problem: `oldText matches ${matches.length} times in ${path} (at lines ${lines}). Include more surrounding text so it matches once.`,
    };
  }
  const at = matches[0]!;
  const expected = replaceAt(shown, at, oldText, newText);
  const fits = findAll(real, oldText)
    .map((offset) => replaceAt(real, offset, oldText, newText))
    .filter((content) => redact(content) === expected);
  if (fits.length !== 1) {
    return {
      problem:
        `This edit would change part of a secret's value in ${path}, or write one into it (drydock shows ` +
        'secrets as [secret NAME]). Edit around the secret, and refer to secrets by their environment variables, ' +
        'not their values.',
    };
  }
  return { content: fits[0]!, line: lineOf(shown, at) };
}

/** The refusal for text the model wants written that holds a placeholder. */
export function writesPlaceholder(path: string, names: readonly string[], field: string): string {
  return (
    `${field} holds ${placeholders(names)}: drydock's placeholder for a secret it hides from you, not its value. ` +
    `Written to ${path}, the file would hold the placeholder instead of the secret. Leave the secret where it is ` +
    '(edit_file around it), or refer to it another way (the environment variable, if your commands have it).'
  );
}

function placeholders(names: readonly string[]): string {
  return names.map((name) => secretPlaceholder(name)).join(', ');
}

function replaceAt(text: string, at: number, oldText: string, newText: string): string {
  return text.slice(0, at) + newText + text.slice(at + oldText.length);
}

function findAll(haystack: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) found.push(at);
  return found;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
