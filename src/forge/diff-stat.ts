/** Parses `git diff --shortstat` output ("3 files changed, 10 insertions(+), 2 deletions(-)"). Pure. */
export function parseShortStat(text: string): {
  filesChanged: number;
  insertions: number;
  deletions: number;
} {
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    filesChanged: number(/(\d+) files? changed/),
    insertions: number(/(\d+) insertions?\(\+\)/),
    deletions: number(/(\d+) deletions?\(-\)/),
  };
}
