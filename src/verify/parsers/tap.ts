import { capMessage, dedent, joinId, stripAnsi, type TestCase, type TestStatus } from '../test-results.ts';

/**
 * TAP 13/14 with subtests, as node's test runner prints it (`node --test` when stdout is not a TTY, or
 * `--test-reporter=tap`), and flat TAP (tape, mocha's tap reporter). Node indents a subtest four spaces
 * under its parent and prints the children before the parent's own `ok` line. Leaves are the tests; a
 * parent counts only when it failed without a failing child (a hook or its own body failed).
 */
export function parseTap(output: string): TestCase[] | null {
  const lines = stripAnsi(output).split('\n');
  if (!lines.some((line) => RESULT.test(line))) return null;
  if (!lines.some((line) => /^TAP version \d+|^\s*1\.\.\d+/.test(line))) return null;

  // levels[d] collects finished results at depth d until their parent's result line claims them.
  const levels: Node[][] = [[]];
  let last: Node | undefined;
  let inYaml = false;
  let yaml: string[] = [];
  for (const line of lines) {
    if (inYaml) {
      if (/^\s*\.\.\.\s*$/.test(line)) {
        inYaml = false;
        if (last) applyYaml(last, yaml);
      } else yaml.push(line);
      continue;
    }
    if (last && /^\s*---\s*$/.test(line)) {
      inYaml = true;
      yaml = [];
      continue;
    }
    const match = RESULT.exec(line);
    if (!match) {
      // Flat TAP (mocha) puts the failure text on indented lines under `not ok`.
      if (last?.status === 'failed' && /^\s+/.test(line) && !/^\s*#/.test(line)) last.extra.push(line);
      continue;
    }
    const [, indent = '', verdict, name = '', directive] = match;
    const depth = Math.floor(indent.length / 4);
    while (levels.length <= depth + 1) levels.push([]);
    const children = levels[depth + 1] ?? [];
    levels[depth + 1] = [];
    const node: Node = {
      name: unescapeName(name.trim()),
      status: statusOf(verdict === 'ok', directive),
      children,
      extra: [],
    };
    levels[depth]?.push(node);
    last = node;
  }
  return flatten(levels.flat(), []);
}

interface Node {
  name: string;
  status: TestStatus;
  children: Node[];
  durationMs?: number;
  error?: string;
  extra: string[];
}

// node-tap ends a result with "# time=12.3ms", which changes every run: it is not part of the name.
const RESULT = /^(\s*)(not ok|ok)\b(?:\s+\d+)?(?:\s+-)?\s*(.*?)(?:\s+#\s*(?:(SKIP|TODO)\b.*|time=\S+\s*))?$/i;

function statusOf(ok: boolean, directive: string | undefined): TestStatus {
  if (directive) return 'skipped';
  return ok ? 'passed' : 'failed';
}

function unescapeName(name: string): string {
  return name.replace(/\\([#\\])/g, '$1');
}

function applyYaml(node: Node, yaml: string[]): void {
  const duration = yaml.map((line) => /^\s*duration_ms:\s*([\d.]+)/.exec(line)?.[1]).find(Boolean);
  if (duration) node.durationMs = Number(duration);
  const start = yaml.findIndex((line) => /^\s*error:/.test(line));
  if (start < 0) {
    // ava and node-tap describe a failure in keys of their own (details, diff, at): all of it, then.
    const described = yaml.filter((line) => !/^\s*(duration_ms|type):/.test(line));
    if (described.some((line) => line.trim() !== '')) node.error = dedent(described);
    return;
  }
  const first = yaml[start] ?? '';
  const inline = /^\s*error:\s*(?:\|-?|>-?)?\s*(.*)$/.exec(first)?.[1] ?? '';
  const indent = /^(\s*)/.exec(first)?.[1]?.length ?? 0;
  const block: string[] = inline ? [inline.replace(/^'(.*)'$/, '$1')] : [];
  for (const line of yaml.slice(start + 1)) {
    const lineIndent = /^(\s*)/.exec(line)?.[1]?.length ?? 0;
    if (line.trim() !== '' && lineIndent <= indent) break;
    block.push(line.trim());
  }
  node.error = block.join('\n');
}

function flatten(nodes: Node[], path: string[]): TestCase[] {
  const cases: TestCase[] = [];
  for (const node of nodes) {
    const here = [...path, node.name];
    const below = flatten(node.children, here);
    cases.push(...below);
    const childFailed = below.some((test) => test.status === 'failed');
    if (node.children.length === 0 || (node.status === 'failed' && !childFailed)) {
      const message = capMessage(node.error ?? (node.extra.length > 0 ? dedent(node.extra) : undefined));
      cases.push({
        id: joinId(here),
        status: node.status,
        ...(node.durationMs === undefined ? {} : { durationMs: node.durationMs }),
        ...(node.status === 'failed' && message ? { message } : {}),
      });
    }
  }
  return cases;
}
