import { useState } from 'react';
import type { TreeNode } from './file-tree.ts';

function Counts({ node }: { node: TreeNode }) {
  return (
    <span className="tree-counts mono">
      <span className="add-text">+{node.added}</span> <span className="del-text">−{node.removed}</span>
    </span>
  );
}

function Node({ node, onOpen, depth }: { node: TreeNode; onOpen: (path: string) => void; depth: number }) {
  const [open, setOpen] = useState(true);
  const indent = { paddingLeft: `${depth * 12 + 4}px` };
  if (node.kind === 'file') {
    return (
      <li>
        <button
          type="button"
          className="tree-item tree-file"
          style={indent}
          data-path={node.path}
          title={node.path}
          onClick={() => onOpen(node.path)}
        >
          <span className={`tree-name file-status-dot ${node.file.change}`}>{node.name}</span>
          <Counts node={node} />
        </button>
      </li>
    );
  }
  return (
    <li>
      <button
        type="button"
        className="tree-item tree-dir"
        style={indent}
        aria-expanded={open}
        data-dir={node.path}
        onClick={() => setOpen(!open)}
      >
        <span className="tree-name">
          <span className="tree-caret" aria-hidden="true">
            {open ? '▾' : '▸'}
          </span>{' '}
          {node.name}/
        </span>
        <Counts node={node} />
      </button>
      {open && (
        <ul>
          {node.children.map((child) => (
            <Node key={`${child.kind}:${child.path}`} node={child} onOpen={onOpen} depth={depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}

/** The changed files as collapsible directories; a file's button (click or Enter) goes to its diff. */
export function FileTreeNav({ nodes, onOpen }: { nodes: TreeNode[]; onOpen: (path: string) => void }) {
  return (
    <nav className="file-tree" aria-label="Changed files" data-testid="file-tree">
      <ul>
        {nodes.map((node) => (
          <Node key={`${node.kind}:${node.path}`} node={node} onOpen={onOpen} depth={0} />
        ))}
      </ul>
    </nav>
  );
}
