import { capMessage, dedent, joinId, stripAnsi, type TestCase, type TestStatus } from '../test-results.ts';

/**
 * node's test runner, spec reporter (the default on a TTY in Node 20 and 22). A suite opens with
 * `▶ name` and closes with a result line at the same indent; tests are `✔`, `✖` or `﹣` lines with a
 * duration. Node 20 prints a failure's details under the test; Node 22 only in the closing
 * "✖ failing tests:" section, which both print and which must not be counted twice. The output names no
 * file for passing tests, so ids are the suite path and the name. Leaves are the tests; a parent counts
 * only when it failed without a failing child.
 */
export function parseNodeSpec(output: string): TestCase[] | null {
  const lines = stripAnsi(output).split('\n');
  const summaryAt = lines.findIndex((line) => /^ℹ tests \d+/.test(line));
  const failingAt = lines.findIndex((line) => /^✖ failing tests:/.test(line));
  const treeEnd = [summaryAt, failingAt].filter((at) => at >= 0).sort((a, b) => a - b)[0];
  if (treeEnd === undefined) return null;

  const roots: Node[] = [];
  const stack: Frame[] = [];
  let lastLeaf: { node: Node; indent: number } | undefined;
  for (const line of lines.slice(0, treeEnd)) {
    const match = /^(\s*)([▶✔✖﹣])\s(.*)$/.exec(line);
    if (!match) {
      const indent = /^(\s*)/.exec(line)?.[1]?.length ?? 0;
      if (lastLeaf && lastLeaf.node.status === 'failed' && (indent > lastLeaf.indent || line.trim() === '')) {
        lastLeaf.node.details.push(line);
      }
      continue;
    }
    lastLeaf = undefined;
    const [, space = '', marker = '', rest = ''] = match;
    const indent = space.length;
    while ((stack.at(-1)?.indent ?? -1) > indent) stack.pop();
    const result = RESULT.exec(rest);
    if (marker === '▶' && !result) {
      stack.push({ name: rest.trim(), indent, children: [] });
      continue;
    }
    const name = (result?.[1] ?? rest).trim();
    const node: Node = {
      name,
      status: statusOf(marker, result?.[3]),
      children: [],
      details: [],
      ...(result?.[2] ? { durationMs: Number(result[2]) } : {}),
    };
    const top = stack.at(-1);
    if (top && top.indent === indent && top.name === name) {
      stack.pop();
      node.children = top.children;
    } else lastLeaf = { node, indent };
    (stack.at(-1)?.children ?? roots).push(node);
  }
  attachFailingSection(roots, failingAt < 0 ? [] : lines.slice(failingAt + 1));
  return flatten(roots, []);
}

interface Node {
  name: string;
  status: TestStatus;
  children: Node[];
  details: string[];
  durationMs?: number;
}

interface Frame {
  name: string;
  indent: number;
  children: Node[];
}

const RESULT = /^(.*?)\s\((\d+(?:\.\d+)?)ms\)(?:\s#\s?(.*))?$/;

function statusOf(marker: string, directive: string | undefined): TestStatus {
  if (marker === '﹣' || (directive !== undefined && /^(SKIP|TODO)\b/i.test(directive))) return 'skipped';
  return marker === '✖' ? 'failed' : 'passed';
}

/** "test at file:line:col" / "✖ name (1ms)" / indented details, per failing test. */
function attachFailingSection(roots: Node[], lines: string[]): void {
  const failed = leaves(roots).filter((node) => node.status === 'failed' && node.details.length === 0);
  let current: Node | undefined;
  for (const line of lines) {
    const head = /^✖ (.*?)\s\(\d+(?:\.\d+)?ms\)/.exec(line);
    if (head) {
      current = failed.find((node) => node.name === head[1] && node.details.length === 0);
      continue;
    }
    if (/^test at /.test(line)) current = undefined;
    else current?.details.push(line);
  }
}

function leaves(nodes: Node[]): Node[] {
  return nodes.flatMap((node) => (node.children.length === 0 ? [node] : leaves(node.children)));
}

function flatten(nodes: Node[], path: string[]): TestCase[] {
  const cases: TestCase[] = [];
  for (const node of nodes) {
    const here = [...path, node.name];
    const below = flatten(node.children, here);
    cases.push(...below);
    const childFailed = below.some((test) => test.status === 'failed');
    if (node.children.length > 0 && !(node.status === 'failed' && !childFailed)) continue;
    const message = node.status === 'failed' ? capMessage(dedent(node.details)) : undefined;
    cases.push({
      id: joinId(here),
      status: node.status,
      ...(node.durationMs === undefined ? {} : { durationMs: node.durationMs }),
      ...(message ? { message } : {}),
    });
  }
  return cases;
}
