import { parse } from 'shell-quote';

/** The JavaScript test runners whose machine-readable reports drydock reads. */
export const TEST_RUNNERS = [
  'vitest',
  'jest',
  'mocha',
  'node-test',
  'ava',
  'tap',
  'tape',
  'playwright',
] as const;
export type TestRunner = (typeof TEST_RUNNERS)[number];

/** The runner a repository's test script calls, found by following the script through `npm run`. */
export interface RunnerCall {
  runner: TestRunner;
  /**
   * The runner's command as the script wrote it, one shell word per element (env assignments, wrappers,
   * args), quoted as the shell needs: joined with spaces, it runs as the script ran it.
   */
  words: string[];
  /** Commands the scripts run before it, in order (a build step, a `pretest` script). */
  before: string[];
  /** For people: the scripts followed ("scripts.test → scripts.test:unit"). */
  via: string;
  /**
   * What the scripts run after this call, in order (a lint step, `npm run posttest`), each a command
   * that stands alone; null when they cannot be taken apart (more shell than a chain), so only the
   * whole script stands for them. A formatter the runner pipes into is not among them.
   */
  after: string[] | null;
}

/** Why no runner call could be taken out of the script: it is shown to people as is. */
export interface NoRunnerCall {
  runner: null;
  reason: string;
}

type Token = ReturnType<typeof parse>[number];
/**
 * One command of a chain. `piped`: its output went through a pipe (`tape | tap-spec`); `pipe` is the
 * rest of the pipeline (`| tap-spec`), kept when the command is not the runner (`standard | snazzy`).
 */
type Segment = { words: string[]; piped: boolean; pipe: string[]; unsupported: boolean };

/** Operators that join commands the way a script chains steps. */
const CHAIN = new Set(['&&', ';']);
/** Programs that run the command after their own options and NAME=value pairs. */
const WRAPPERS = new Set([
  'cross-env',
  'cross-env-shell',
  'dotenv',
  'env',
  'c8',
  'nyc',
  'npx',
  'time',
  'nice',
]);
const MAX_DEPTH = 5;
/** Flags of `npm run` that change nothing about what runs. */
const QUIET = new Set(['-s', '--silent', '--if-present']);

/**
 * The test runner behind `scripts[name]`, following `npm run x` / `npm test` / `pnpm x` / `yarn x`
 * into other scripts. Only chains (`a && b`, `a; b`) of simple commands are taken apart; a runner
 * piped into a formatter (`tape test/*.js | tap-spec`) is taken without the formatter. Anything else
 * before the runner (`||`, redirections, variables, subshells) gives a reason instead: the script is
 * then run as written and judged by its exit code. Pure.
 */
export function findRunnerCall(
  scripts: Readonly<Record<string, string>>,
  name = 'test',
): RunnerCall | NoRunnerCall {
  const found = follow(scripts, name, 0);
  if ('reason' in found) return { runner: null, reason: found.reason };
  return found.call ?? { runner: null, reason: `no known test runner in scripts.${name}` };
}

type Followed = { call: RunnerCall | null } | { reason: string };

function follow(scripts: Readonly<Record<string, string>>, name: string, depth: number): Followed {
  const script = scripts[name];
  if (script === undefined) return { reason: `scripts.${name} is not defined` };
  if (depth > MAX_DEPTH) return { reason: `scripts.${name}: scripts call each other too deeply` };
  const segments = splitChain(script);
  const unsupported = { reason: `scripts.${name} is more than a chain of simple commands: ${script}` };
  if (segments === null) return unsupported;
  const before = scripts[`pre${name}`] !== undefined ? [`npm run pre${name}`] : [];
  const post = scripts[`post${name}`] !== undefined ? [`npm run post${name}`] : [];
  // The commands after segment `index`, each standing alone, or null when one is more than a command.
  const afterAt = (index: number): string[] | null => {
    const rest = segments.slice(index + 1);
    if (rest.some((segment) => segment.unsupported)) return null;
    return [...rest.map((segment) => [...segment.words, ...segment.pipe].join(' ')), ...post];
  };
  for (const [index, segment] of segments.entries()) {
    if (segment.unsupported) return unsupported;
    const runner = runnerOf(segment.words);
    if (runner)
      return {
        call: { runner, words: segment.words, before, via: `scripts.${name}`, after: afterAt(index) },
      };
    // `npm run x`, also behind assignments and wrappers (`nyc npm run test-spec`, `c8 --100 npm run unit`).
    const program = programIndex(segment.words);
    const inner = program < 0 ? null : scriptCalled(segment.words.slice(program), scripts);
    if (inner !== null) {
      const followed = follow(scripts, inner, depth + 1);
      if ('reason' in followed || followed.call) {
        if ('reason' in followed || !followed.call) return followed;
        const call = followed.call;
        const here = afterAt(index);
        return {
          call: {
            ...call,
            words: wrapped(segment.words.slice(0, program), call.words),
            before: [...before, ...call.before],
            via: `scripts.${name} → ${call.via}`,
            after: call.after === null || here === null ? null : [...call.after, ...here],
          },
        };
      }
    }
    // A command piped into another that is not the runner (`standard | snazzy`) runs as written.
    before.push([...segment.words, ...segment.pipe].join(' '));
  }
  return { call: null };
}

/** The script's commands as shell words, or null when the shell text does not parse. */
function splitChain(script: string): Segment[] | null {
  let tokens: Token[];
  try {
    // Variables are kept as operators, which makes their command unsupported: we cannot rebuild `$A/b`.
    tokens = parse(script, (key) => ({ op: `$${key}` }) as unknown as string);
  } catch {
    return null;
  }
  const segment = (): Segment => ({ words: [], piped: false, pipe: [], unsupported: false });
  const segments: Segment[] = [segment()];
  for (const token of tokens) {
    const current = segments.at(-1)!;
    if (typeof token === 'object' && 'comment' in token) break;
    const op = typeof token === 'object' && 'op' in token ? token.op : null;
    // Words after a pipe go to the pipeline's rest.
    const words = current.piped ? current.pipe : current.words;
    if (op !== null && CHAIN.has(op)) segments.push(segment());
    else if (op === '|') {
      current.piped = true;
      current.pipe.push('|');
    }
    // Unquoted, so the shell expands it: it stays unquoted.
    else if (op === 'glob') words.push((token as { pattern: string }).pattern);
    else if (typeof token === 'string') words.push(shellWord(token));
    else current.unsupported = true;
  }
  return segments.filter((segment) => segment.words.length > 0 || segment.unsupported);
}

/**
 * A runner call found behind `npm run x` in a command that wraps it (`nyc npm run test-spec`): the
 * wrapper around the call, with the call's own NAME=value pairs first so they stay assignments.
 */
function wrapped(wrapper: readonly string[], words: readonly string[]): string[] {
  if (wrapper.length === 0) return [...words];
  let assignments = 0;
  while (assignments < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[assignments]!)) assignments += 1;
  return [...words.slice(0, assignments), ...wrapper, ...words.slice(assignments)];
}

/** The runner a command runs, looking past NAME=value pairs and wrappers such as cross-env, c8 and npx. */
export function runnerOf(words: readonly string[]): TestRunner | null {
  const program = programIndex(words);
  if (program < 0) return null;
  const name = basename(words[program]!);
  const next = words.slice(program + 1);
  if (name === 'node' || name === 'nodejs') return next.includes('--test') ? 'node-test' : null;
  if (name === 'playwright') return next[0] === 'test' ? 'playwright' : null;
  if (name === 'vitest' || name === 'jest' || name === 'mocha' || name === 'ava' || name === 'tape')
    return name;
  if (name === 'tap') return 'tap';
  return null;
}

/** Where the program that does the work sits in `words`: past assignments and wrapper programs. */
export function programIndex(words: readonly string[]): number {
  let index = 0;
  while (index < words.length) {
    const word = words[index]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) index += 1;
    else if (WRAPPERS.has(basename(word))) {
      index += 1;
      // The wrapper's own options (c8 --reporter=lcov, dotenv -e .env --, npx --no-install).
      while (
        index < words.length &&
        (words[index]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(words[index]!))
      ) {
        const option = words[index]!;
        index += 1;
        if (option === '--') break;
        if (/^-(e|c|r)$|^--(reporter|require|exclude|include|temp-directory|report-dir)$/.test(option))
          index += 1;
      }
    } else return index;
  }
  return -1;
}

/** The script `npm run x`, `npm test`, `pnpm [run] x` or `yarn [run] x` runs, when it is one of `scripts`. */
function scriptCalled(words: readonly string[], scripts: Readonly<Record<string, string>>): string | null {
  const [tool, ...rest] = words;
  // ljharb's packages run `npm-run-posix-or-windows x`: `npm run x` here (x:windows on Windows).
  if (tool === 'npm-run-posix-or-windows')
    return rest.length === 1 && scripts[rest[0]!] !== undefined ? rest[0]! : null;
  if (tool !== 'npm' && tool !== 'pnpm' && tool !== 'yarn' && tool !== 'bun') return null;
  // Workspace-wide runs (`pnpm -r test`, `npm test --workspaces`) and extra arguments are not this script.
  if (rest.some((word) => word.startsWith('-') && !QUIET.has(word))) return null;
  const args = rest;
  if (args.length === 0) return null;
  const [first, second] = args;
  if (first === 'test' || first === 't') return args.length === 1 ? 'test' : null;
  if ((first === 'run' || first === 'run-script') && second !== undefined && args.length === 2)
    return scripts[second] !== undefined ? second : null;
  if (tool !== 'npm' && args.length === 1 && first !== undefined && scripts[first] !== undefined)
    return first;
  return null;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * A word as the shell reads it back to the same string: bare when nothing in it is special (glob
 * characters are), else single-quoted. In NAME=value only the value is quoted, so it stays an assignment.
 */
export function shellWord(word: string): string {
  const assignment = /^([A-Za-z_][A-Za-z0-9_]*=)(.*)$/s.exec(word);
  if (assignment) return `${assignment[1]}${assignment[2] === '' ? "''" : shellWord(assignment[2]!)}`;
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
