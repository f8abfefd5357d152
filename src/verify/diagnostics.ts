import { stripAnsi } from './test-results.ts';

/** Typecheck and lint findings, from any of the tools the gate runs. Pure. */

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  /** As the tool printed it, with `\` as `/` and no leading "./"; eslint prints absolute paths. */
  file: string;
  line?: number;
  column?: number;
  severity: DiagnosticSeverity;
  /** "TS2322", "no-unused-vars", "lint/suspicious/noDebugger"; absent when the tool names none. */
  rule?: string;
  message: string;
}

/**
 * Reads tsc (plain `file(line,col): error TS…` and pretty `file:line:col - error TS…`), eslint
 * (stylish and `-f unix`), biome (its default reporter and `--reporter=github`, which is also GitHub's
 * annotation format) and the generic `file:line[:col]: message` form (go vet, gcc, ruff, mypy, …).
 * Each line is read by the first form that matches; code frames and stack traces are indented and so
 * never match. Never throws.
 */
export function parseDiagnostics(output: string): Diagnostic[] {
  const lines = stripAnsi(output).split('\n');
  const diagnostics: Diagnostic[] = [];
  let stylishFile: string | undefined;
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') {
      stylishFile = undefined;
      continue;
    }
    const stylish = stylishFile ? STYLISH_ROW.exec(line) : null;
    if (stylishFile && stylish) {
      const [, row = '', column = '', severity = '', message = '', rule] = stylish;
      diagnostics.push(make(stylishFile, row, column, severity, message.trim(), rule));
      continue;
    }
    const found = parseLine(line, lines.slice(index + 1, index + 4));
    if (found) {
      diagnostics.push(found);
      stylishFile = undefined;
    } else if (PATH_ONLY.test(line) && STYLISH_ROW.test(lines[index + 1] ?? '')) stylishFile = clean(line);
  }
  return diagnostics;
}

/** Diagnostics per file, e.g. `{ "src/a.ts": 3 }`. */
export function countByFile(diagnostics: readonly Diagnostic[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const diagnostic of diagnostics) counts[diagnostic.file] = (counts[diagnostic.file] ?? 0) + 1;
  return counts;
}

/**
 * The diagnostics in `after` that are new: in a touched file (repository-relative paths, as `git diff`
 * names them) and not matched by one in `before`. Matching ignores line and column, which any edit
 * above a finding moves: a finding is its file, rule and message, counted (two identical findings
 * before and three after is one new).
 */
export function diffDiagnostics(
  before: readonly Diagnostic[],
  after: readonly Diagnostic[],
  touchedFiles: readonly string[],
): Diagnostic[] {
  const touched = touchedFiles.map(clean);
  const remaining = new Map<string, number>();
  for (const diagnostic of before)
    remaining.set(keyOf(diagnostic), (remaining.get(keyOf(diagnostic)) ?? 0) + 1);
  const fresh: Diagnostic[] = [];
  for (const diagnostic of after) {
    if (!touched.some((file) => samePath(diagnostic.file, file))) continue;
    const left = remaining.get(keyOf(diagnostic)) ?? 0;
    if (left > 0) remaining.set(keyOf(diagnostic), left - 1);
    else fresh.push(diagnostic);
  }
  return fresh;
}

/** True when `file` (maybe absolute) names the repository-relative `relative`. */
export function samePath(file: string, relative: string): boolean {
  const a = clean(file);
  const b = clean(relative);
  return a === b || a.endsWith(`/${b}`);
}

const TSC = /^(\S.*?)\((\d+),(\d+)\): (error|warning|message) (TS\d+): (.*)$/;
const TSC_PRETTY = /^(\S.*?):(\d+):(\d+) - (error|warning|message) (TS\d+): (.*)$/;
const ESLINT_UNIX = /^(\S.*?):(\d+):(\d+): (.*) \[(Error|Warning)\/(.+)\]$/;
const GITHUB =
  /^::(error|warning|notice) (?:title=([^,:]*),)?file=([^,:]+),line=(\d+)(?:,endLine=\d+)?(?:,col=(\d+))?[^:]*::(.*)$/;
/** "src/a.ts:3:10 lint/style/useTemplate  FIXABLE  ━━━━", "src/a.ts format ━━━━". */
const BIOME = /^(\S+?)(?::(\d+):(\d+))? ([a-z]+(?:\/[\w/]+)?)(?: +[A-Z]+)* +━/;
const GENERIC =
  /^([^\s:()]*\.[A-Za-z0-9]+):(\d+)(?::(\d+))?:? (?:(error|warning|note|info)(?::| \[)\s*)?(.*\S.*)$/;
const STYLISH_ROW = /^\s+(\d+):(\d+)\s+(error|warning)\s+(.*?)(?:\s{2,}(\S+))?$/;
const PATH_ONLY = /^(?:[A-Za-z]:[\\/]|\/|\.{0,2}[\\/]?)?[^\s:]+\.[A-Za-z0-9]+$/;

function parseLine(line: string, next: string[]): Diagnostic | undefined {
  const tsc = TSC.exec(line) ?? TSC_PRETTY.exec(line);
  if (tsc) {
    const [, file = '', row = '', column = '', severity = '', rule, message = ''] = tsc;
    return make(file, row, column, severity, message, rule);
  }
  const unix = ESLINT_UNIX.exec(line);
  if (unix) {
    const [, file = '', row = '', column = '', message = '', severity = '', rule] = unix;
    return make(file, row, column, severity, message, rule);
  }
  const github = GITHUB.exec(line);
  if (github) {
    const [, severity = '', title, file = '', row = '', column, message = ''] = github;
    return make(file, row, column, severity, message, title || undefined);
  }
  const biome = BIOME.exec(line);
  if (biome) {
    const [, file = '', row, column, rule = ''] = biome;
    // The first line under the header is "  × message" (error), "  ! message" (warning) or "  i message".
    const body = next.map((text) => /^\s+([×!i‼✖]) (.*)$/.exec(text)).find(Boolean);
    const marker = body?.[1] ?? '×';
    const severity = marker === '!' ? 'warning' : marker === 'i' ? 'info' : 'error';
    return make(file, row, column, severity, body?.[2] ?? rule, rule);
  }
  const generic = GENERIC.exec(line);
  if (generic) {
    const [, file = '', row = '', column, severity = 'error', message = ''] = generic;
    return make(file, row, column, severity, message.trim(), undefined);
  }
  return undefined;
}

function make(
  file: string,
  row: string | undefined,
  column: string | undefined,
  severity: string,
  message: string,
  rule: string | undefined,
): Diagnostic {
  return {
    file: clean(file),
    ...(row ? { line: Number(row) } : {}),
    ...(column ? { column: Number(column) } : {}),
    severity: severityOf(severity),
    ...(rule ? { rule } : {}),
    message,
  };
}

function severityOf(word: string): DiagnosticSeverity {
  const lower = word.toLowerCase();
  if (lower === 'warning') return 'warning';
  if (lower === 'error') return 'error';
  return 'info';
}

function clean(path: string): string {
  return path
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '');
}

function keyOf(diagnostic: Diagnostic): string {
  return `${diagnostic.file}\u0000${diagnostic.rule ?? ''}\u0000${diagnostic.message}`;
}
