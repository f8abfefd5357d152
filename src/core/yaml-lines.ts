import { isMap, isScalar, type LineCounter, type parseDocument } from 'yaml';
import type { z } from 'zod';

// Where in a YAML file a key or value is, for errors that name the line (.drydock/config.yaml, playbooks).

/** The line of the deepest node on `path` that exists (an unknown key's parent, say). */
export function yamlLineOf(
  document: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
): number | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lineCounter.linePos(range[0]).line;
  }
  return undefined;
}

/** The line of `key` itself in the map at `path` (an unknown key's own line). */
export function yamlKeyLine(
  document: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: readonly (string | number)[],
  key: string,
): number | undefined {
  const map = path.length === 0 ? document.contents : document.getIn(path, true);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  const range = isScalar(pair?.key) ? pair.key.range : undefined;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}

/**
 * Where a schema's first complaint about a YAML document is: the issue's path (symbols left out), and its
 * line (an unknown key's own line, else the deepest node on the path that exists).
 */
export function yamlIssueAt(
  document: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  issue: z.core.$ZodIssue,
): { path: (string | number)[]; line: number | undefined } {
  const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  const line =
    (issue.code === 'unrecognized_keys'
      ? yamlKeyLine(document, lineCounter, path, issue.keys[0]!)
      : undefined) ?? yamlLineOf(document, lineCounter, path);
  return { path, line };
}
