import { capMessage, dedent, joinId, stripAnsi, type TestCase, type TestStatus } from '../test-results.ts';

/**
 * TAP 13/14 with subtests, as node's test runner prints it (`node --test` when stdout is not a TTY, or
 * `--test-reporter=tap`) and node-tap does, and flat TAP (ava, mocha's tap reporter). A subtest is
 * announced by `# Subtest: name`, indented four spaces under its parent, its children printed before
 * its own `ok` line. The tests are the subtests; the plain test points inside a subtest are its
 * assertions (node-tap's `should be equal`, numbered, often sharing a name), which decide its status and
 * are no tests of their own. A subtest with subtests under it counts only when it has assertions of
 * its own, or failed without a failing child (a hook or its own body failed). In flat TAP the test
 * points are the tests.
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
  // Indents of the `# Subtest:` lines whose result line has not come yet.
  const announced = new Set<number>();
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
    const subtest = /^(\s*)# Subtest:/.exec(line);
    if (subtest) {
      announced.add(subtest[1]!.length);
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
      // node-tap prints a skipped subtest as a bare `ok 3 - name # SKIP`, never announced.
      subtest: announced.delete(indent.length) || children.length > 0 || directive !== undefined,
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
  /** Announced by `# Subtest:`, has results under it, or is skipped: a test, not an assertion. */
  subtest: boolean;
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
    // A plain test point inside a subtest is one of its assertions: the subtest is the test.
    if (!node.subtest && path.length > 0) continue;
    const here = [...path, node.name];
    const assertions = node.children.filter((child) => !child.subtest);
    const below = flatten(node.children, here);
    cases.push(...below);
    const childFailed = below.some((test) => test.status === 'failed');
    const failedAssertion = assertions.find((assertion) => assertion.status === 'failed');
    const failedItself = node.status === 'failed' && !childFailed;
    const isTest = node.children.length === 0 || assertions.length > 0 || failedItself;
    if (!isTest) continue;
    const status: TestStatus =
      node.status === 'skipped' ? 'skipped' : failedAssertion || failedItself ? 'failed' : 'passed';
    const source = failedAssertion ?? node;
    const described = source.error ?? (source.extra.length > 0 ? dedent(source.extra) : undefined);
    const message = capMessage(
      failedAssertion && described
        ? `${failedAssertion.name}\n${described}`
        : (described ?? failedAssertion?.name),
    );
    cases.push({
      id: joinId(here),
      status,
      ...(node.durationMs === undefined ? {} : { durationMs: node.durationMs }),
      ...(status === 'failed' && message ? { message } : {}),
    });
  }
  return cases;
}
