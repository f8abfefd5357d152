import picomatch from 'picomatch';

/**
 * The matcher for list_files' pattern, with picomatch: `*` within a path segment, `**` across segments,
 * `?`, `[abc]`, `{a,b}` alternatives and a leading `!` to negate. A pattern without a slash matches file
 * names at any depth (like .gitignore); one with a slash matches from the workspace root. `*` matches
 * dotfiles too: the agent asks for files, and `.env` or `.github/` are files it needs to see.
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  // picomatch's basename option applies to every pattern; only a slashless one means "at any depth".
  return picomatch(pattern, { dot: true, basename: !pattern.includes('/') });
}
