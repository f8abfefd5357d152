/**
 * A small glob matcher for list_files: `*` within a path segment, `**` across segments, `?`, and
 * `{a,b}` alternatives. A pattern without a slash matches file names at any depth (like .gitignore).
 */
export function globToRegExp(pattern: string): RegExp {
  const anchored = pattern.includes('/') ? pattern.replace(/^\.?\//, '') : `**/${pattern}`;
  let source = '';
  for (let i = 0; i < anchored.length; i++) {
    const char = anchored[i]!;
    if (char === '*') {
      if (anchored[i + 1] === '*') {
        const slashAfter = anchored[i + 2] === '/';
        source += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '{') {
      const close = anchored.indexOf('}', i);
      if (close === -1) {
        source += '\\{';
        continue;
      }
      const options = anchored
        .slice(i + 1, close)
        .split(',')
        .map(escapeRegExp);
      source += `(?:${options.join('|')})`;
      i = close;
    } else {
      source += escapeRegExp(char);
    }
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
