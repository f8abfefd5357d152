/**
 * Lists of test names as task sets ship them: a JSON list, a string holding one (SWE-bench's
 * FAIL_TO_PASS and PASS_TO_PASS), or a string holding a Python list literal (SWE-PolyBench's F2P and
 * P2P, written by pandas: single quotes, backslash escapes). Pure.
 */

/** The names `value` lists, or null when it is not a list of strings in one of those forms. */
export function parseTestNames(value: unknown): string[] | null {
  if (Array.isArray(value)) return value.every((name) => typeof name === 'string') ? value : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!text.startsWith('[')) return null;
  try {
    return parseTestNames(JSON.parse(text));
  } catch {
    return parsePythonList(text);
  }
}

const PYTHON_ESCAPES: Record<string, string> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
};

/** A Python list of string literals (`['a', "b"]`), the subset `repr` of a list of str writes. */
function parsePythonList(text: string): string[] | null {
  const names: string[] = [];
  let at = 1;
  const skipSpace = () => {
    while (at < text.length && /\s/.test(text[at] ?? '')) at++;
  };
  skipSpace();
  if (text[at] === ']') return at === text.length - 1 ? names : null;
  for (;;) {
    skipSpace();
    const quote = text[at];
    if (quote !== "'" && quote !== '"') return null;
    at++;
    let name = '';
    for (;;) {
      const char = text[at];
      if (char === undefined) return null;
      at++;
      if (char === quote) break;
      if (char !== '\\') {
        name += char;
        continue;
      }
      const escaped = text[at];
      if (escaped === undefined) return null;
      at++;
      if (escaped === 'x' || escaped === 'u' || escaped === 'U') {
        const length = escaped === 'x' ? 2 : escaped === 'u' ? 4 : 8;
        const hex = text.slice(at, at + length);
        if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(hex)) return null;
        name += String.fromCodePoint(Number.parseInt(hex, 16));
        at += length;
      } else {
        // Python keeps an unknown escape as it is, backslash included.
        name += PYTHON_ESCAPES[escaped] ?? `\\${escaped}`;
      }
    }
    names.push(name);
    skipSpace();
    if (text[at] === ',') {
      at++;
      skipSpace();
      if (text[at] === ']') return at === text.length - 1 ? names : null;
      continue;
    }
    return text[at] === ']' && at === text.length - 1 ? names : null;
  }
}
