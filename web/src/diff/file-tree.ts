import { displayPath, type FileDiff } from '../../../src/core/unified-diff.ts';

/** A directory or a changed file in the diff's file tree, with the +/− counts of everything below it. */
export type TreeNode =
  | { kind: 'dir'; name: string; path: string; added: number; removed: number; children: TreeNode[] }
  | { kind: 'file'; name: string; path: string; added: number; removed: number; file: FileDiff };

/**
 * The changed files as a tree: directories first, then files, each by name; a directory with a single
 * directory inside is folded into it (`src/core`), as forges show it. Keyed by `displayPath`. Pure.
 */
export function buildFileTree(files: readonly FileDiff[]): TreeNode[] {
  const root: Extract<TreeNode, { kind: 'dir' }> = {
    kind: 'dir',
    name: '',
    path: '',
    added: 0,
    removed: 0,
    children: [],
  };
  for (const file of files) {
    const shown = displayPath(file);
    const parts = file.path.split('/');
    const name = parts.pop() ?? file.path;
    let dir = root;
    const counts = { added: file.added.length, removed: file.removed.length };
    dir.added += counts.added;
    dir.removed += counts.removed;
    for (const [i, part] of parts.entries()) {
      const path = parts.slice(0, i + 1).join('/');
      let next = dir.children.find(
        (child): child is Extract<TreeNode, { kind: 'dir' }> => child.kind === 'dir' && child.path === path,
      );
      if (!next) {
        next = { kind: 'dir', name: part, path, added: 0, removed: 0, children: [] };
        dir.children.push(next);
      }
      next.added += counts.added;
      next.removed += counts.removed;
      dir = next;
    }
    dir.children.push({
      kind: 'file',
      name,
      path: shown,
      ...counts,
      file,
    });
  }
  return root.children.map(fold).sort(order);
}

function fold(node: TreeNode): TreeNode {
  if (node.kind === 'file') return node;
  const children = node.children.map(fold).sort(order);
  const only = children[0];
  if (children.length === 1 && only?.kind === 'dir') {
    return { ...only, name: `${node.name}/${only.name}` };
  }
  return { ...node, children };
}

function order(a: TreeNode, b: TreeNode): number {
  if (a.kind !== b.kind) return a.kind === 'dir' ? -1 : 1;
  return a.name.localeCompare(b.name);
}
