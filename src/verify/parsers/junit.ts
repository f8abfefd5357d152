import { capMessage, joinId, type TestCase, type TestStatus } from '../test-results.ts';

/**
 * JUnit XML (vitest `--reporter=junit`, pytest `--junitxml`, jest-junit, go-junit-report, surefire).
 * A small tolerant scanner, not an XML parser: it reads testsuite, testcase, failure, error and
 * skipped elements and ignores everything else, including text around the document. The id is the
 * testcase's classname (else the enclosing testsuite's name) and its name, so vitest's report gives the
 * same ids as its verbose reporter. With `ids: 'suites'` the id is the path of enclosing testsuites and
 * the name instead: node:test's reporter nests a testsuite per describe and sets every classname to
 * "test" (and names no file, so tests with the same suites and name in two files share an id).
 */
export function parseJunit(
  output: string,
  options: { ids?: 'classname' | 'suites' } = {},
): TestCase[] | null {
  if (!/<testcase[\s>/]/.test(output)) return null;
  const cases: TestCase[] = [];
  const suites: string[] = [];
  let open: { test: TestCase; text: string[]; inFailure: boolean; failureMessage?: string } | undefined;
  for (const token of output.matchAll(TOKEN)) {
    const [, closing, tag, attributeText = '', selfClosing, cdata, text] = token;
    if (text !== undefined || cdata !== undefined) {
      if (open?.inFailure) open.text.push(cdata ?? decode(text ?? ''));
      continue;
    }
    const attributes = parseAttributes(attributeText);
    if (tag === 'testsuite') {
      if (closing) suites.pop();
      else if (!selfClosing) suites.push(attributes.name ?? '');
    } else if (tag === 'testcase' && !closing) {
      const seconds = Number(attributes.time);
      const test: TestCase = {
        id:
          options.ids === 'suites'
            ? joinId([...suites, attributes.name ?? ''])
            : joinId([attributes.classname || suites.at(-1) || '', attributes.name ?? '']),
        status: 'passed',
        ...(attributes.time !== undefined && Number.isFinite(seconds)
          ? { durationMs: Math.round(seconds * 1_000_000) / 1000 }
          : {}),
      };
      if (selfClosing) cases.push(test);
      else open = { test, text: [], inFailure: false };
    } else if (tag === 'testcase' && closing && open) {
      const message =
        open.test.status === 'failed' ? capMessage(open.text.join('') || open.failureMessage) : undefined;
      cases.push(message ? { ...open.test, message } : open.test);
      open = undefined;
    } else if (open && (tag === 'failure' || tag === 'error' || tag === 'skipped')) {
      if (closing) open.inFailure = false;
      else mark(open, tag, attributes, Boolean(selfClosing));
    }
  }
  return cases;
}

const TOKEN =
  /<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|([^<]+)/g;

function mark(
  open: { test: TestCase; inFailure: boolean; failureMessage?: string },
  tag: string,
  attributes: Record<string, string>,
  selfClosing: boolean,
): void {
  // pytest reports an expected failure as skipped; its text output (and SWE-bench) count it as passed.
  const xfail = attributes.type === 'pytest.xfail';
  const status: TestStatus = tag !== 'skipped' ? 'failed' : xfail ? 'passed' : 'skipped';
  const message = attributes.message;
  // A failure outranks a skip in the same testcase.
  if (open.test.status !== 'failed') open.test.status = status;
  if (status === 'failed') {
    open.inFailure = !selfClosing;
    if (message !== undefined) open.failureMessage = message;
  }
}

function parseAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, name, double, single] of text.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    if (name) attributes[name] = decode(double ?? single ?? '');
  }
  return attributes;
}

function decode(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (whole, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (!entity.startsWith('#')) return named[entity.toLowerCase()] ?? whole;
    const code = /^#x/i.test(entity) ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
