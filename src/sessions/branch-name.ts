/** `drydock/<short-slug>-<id>`: readable in `git branch`, unique by the session id. Pure. */
export function branchName(task: string, sessionId: string, maxSlugChars = 32): string {
  const words = task
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
  let slug = '';
  for (const word of words) {
    const next = slug === '' ? word : `${slug}-${word}`;
    if (next.length > maxSlugChars) break;
    slug = next;
  }
  if (slug === '' && words[0]) slug = words[0].slice(0, maxSlugChars);
  return `drydock/${slug === '' ? 'task' : slug}-${sessionId}`;
}
