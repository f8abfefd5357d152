/**
 * Validates drydock's verification gate on real repositories, test by test: published npm packages
 * whose tarballs carry their test suites, each turned into a git repository (with a lockfile
 * generated as a real repository has one). For each package:
 *
 * 1. drydock: `drydock checks` (showChecks) on the commit, as a session takes its baseline: what it
 *    detected (runner, report, command) and the per-test results it read.
 * 2. The runner's own way, in a plain clone on the host: `npm ci`, then the runner with its own
 *    verbose reporter; its test lines and closing summary, parsed here independently of drydock's
 *    parsers.
 * 3. A one-line regression committed on a branch: drydock's checks on it, `decideGate` on the two
 *    outcome sets, and the tests the runner says fail after it and passed before.
 *
 * Not part of `npm test`: it downloads every package and its devDependencies from the registry.
 *
 *   node scripts/validate-real-repos.ts [name ...]   (DRYDOCK_HOME defaults to /tmp/dd-real-home)
 *   node scripts/validate-real-repos.ts --table      (the table of every package's last run)
 *
 * Prints a table; details (drydock's output, the runner's output) go under $VALIDATE_DIR
 * (/tmp/drydock-validate-real by default).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Status = 'passed' | 'failed' | 'skipped';
interface OwnTest {
  name: string;
  status: Status;
}
interface OwnRun {
  tests: OwnTest[];
  /** The runner's exit code (set by ownRuns). */
  exitCode?: number;
  /** The runner's closing summary, as it counts (null: it printed none). */
  summary: { passed: number; failed: number; skipped: number } | null;
  /** What the summary counts when it is not tests (tape and node-tap count assertions). */
  counts?: string;
}

interface Case {
  /** name@exact-version on the npm registry. */
  spec: string;
  /** Directory name. */
  name: string;
  /** The runner drydock should find. */
  runner: string;
  /** The runner's own call with its verbose reporter, run in the clone with node_modules/.bin on PATH. */
  own: string;
  parse: (output: string) => OwnRun;
  mutation: { file: string; search: string; replace: string };
}

// ---------------------------------------------------------------------------------------------------
// The runners' own output, read here with regexes of its own (not drydock's parsers).

/** TAP as tape prints it: tests are `# name` comments over assertions; the summary counts assertions. */
function tapeOwn(output: string): OwnRun {
  const tests: OwnTest[] = [];
  let current: OwnTest | null = null;
  let asserts = 0;
  let assertsOk = 0;
  let assertsFailed = 0;
  let seen = 0;
  for (const line of output.split('\n')) {
    const comment = /^# (.*)$/.exec(line)?.[1];
    if (comment !== undefined) {
      if (/^(tests|pass|fail|skip|todo) \d+$|^ok$/.test(comment)) {
        const [, key, n] = /^(\w+) (\d+)$/.exec(comment) ?? [];
        if (key === 'tests') asserts = Number(n);
        continue;
      }
      const skipped = /^SKIP (.*)$/.exec(comment)?.[1];
      if (skipped !== undefined) {
        tests.push({ name: skipped, status: 'skipped' });
        current = null;
        continue;
      }
      current = { name: comment, status: 'passed' };
      tests.push(current);
      seen = 0;
      continue;
    }
    const point = /^(not ok|ok) \d+/.exec(line)?.[1];
    if (!point) continue;
    if (point === 'ok') assertsOk += 1;
    else assertsFailed += 1;
    if (current) {
      seen += 1;
      (current as OwnTest & { asserts?: number }).asserts = seen;
      if (point === 'not ok' && !/#\s*(SKIP|TODO)/i.test(line)) current.status = 'failed';
    }
  }
  // A comment with no assertion of its own is a parent test: tape prints it, its assertions are its children's.
  const withAsserts = tests.filter(
    (test) => test.status === 'skipped' || (test as OwnTest & { asserts?: number }).asserts,
  );
  const count = (status: Status) => withAsserts.filter((test) => test.status === status).length;
  return {
    tests: withAsserts.map(({ name, status }) => ({ name, status })),
    summary: { passed: count('passed'), failed: count('failed'), skipped: count('skipped') },
    counts: `${asserts} assertions (${assertsOk} ok, ${assertsFailed} not ok)`,
  };
}

/**
 * mocha's spec reporter: suites, then `✓ title`/`✔ title`, `N) title`, `- title` indented under them;
 * `N passing`, `N failing`, `N pending` close it. Names are mocha's full titles (suites and title joined
 * with spaces).
 */
function mochaOwn(output: string): OwnRun {
  const tests: OwnTest[] = [];
  const lines = output.split('\n');
  const end = lines.findIndex((line) => /^\s+\d+ passing \(/.test(line));
  let stack: Array<{ indent: number; name: string }> = [];
  for (const line of lines.slice(0, end < 0 ? lines.length : end)) {
    if (line.trim() === '') continue;
    const indent = /^(\s*)/.exec(line)![1]!.length;
    stack = stack.filter((open) => open.indent < indent);
    const passed = /^\s+[✓✔] (.*?)(?: \(\d+ms\))?$/.exec(line)?.[1];
    const failed = /^\s+\d+\) (.*)$/.exec(line)?.[1];
    const pending = /^\s+- (.*)$/.exec(line)?.[1];
    const title = passed ?? failed ?? pending;
    if (title === undefined) {
      stack.push({ indent, name: line.trim() });
      continue;
    }
    const status: Status = passed !== undefined ? 'passed' : failed !== undefined ? 'failed' : 'skipped';
    tests.push({ name: [...stack.map((open) => open.name), title].join(' '), status });
  }
  const n = (word: string) => Number(new RegExp(`^\\s+(\\d+) ${word}`, 'm').exec(output)?.[1] ?? 0);
  return {
    tests,
    summary: end < 0 ? null : { passed: n('passing'), failed: n('failing'), skipped: n('pending') },
  };
}

/**
 * jest --verbose: per file a `PASS file`/`FAIL file` line, then describe blocks and `✓ title (N ms)`,
 * `✕ title`, `○ skipped title` indented under them, then the file's failures (`● …`);
 * `Tests: 1 failed, 3 passed, 4 total` closes it. Names are `file > describe > title`.
 */
function jestOwn(output: string): OwnRun {
  const tests: OwnTest[] = [];
  let file: string | null = null;
  let stack: Array<{ indent: number; name: string }> = [];
  for (const line of output.split('\n')) {
    const header = /^(?:PASS|FAIL) (\S+)/.exec(line);
    if (header) {
      file = header[1]!;
      stack = [];
      continue;
    }
    if (file === null || line.trim() === '') continue;
    // A file that failed to load is its one failing test, as jest counts it among its failed suites.
    if (/^\s+● Test suite failed to run/.test(line)) tests.push({ name: file, status: 'failed' });
    // The file's failure details, or the summary: nothing more to read until the next file.
    if (/^\s+● |^Test Suites:/.test(line)) {
      file = null;
      continue;
    }
    const indent = /^(\s*)/.exec(line)![1]!.length;
    stack = stack.filter((open) => open.indent < indent);
    const match = /^\s+([✓✕○✎√×]) (?:skipped |todo )?(.*?)(?: \(\d+ ?m?s\))?$/.exec(line);
    if (!match) {
      stack.push({ indent, name: line.trim() });
      continue;
    }
    const mark = match[1]!;
    const status: Status =
      mark === '✓' || mark === '√' ? 'passed' : mark === '✕' || mark === '×' ? 'failed' : 'skipped';
    tests.push({ name: [file, ...stack.map((open) => open.name), match[2]!].join(' > '), status });
  }
  const line = /^Tests:\s+(.*)$/m.exec(output)?.[1];
  const n = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(line ?? '')?.[1] ?? 0);
  const unloaded = tests.filter((test) => !test.name.includes(' > ')).length;
  return {
    tests,
    summary: line
      ? { passed: n('passed'), failed: n('failed') + unloaded, skipped: n('skipped') + n('todo') }
      : null,
  };
}

/**
 * node --test with the spec reporter: `✔ name (1ms)`, `✖ name`, `﹣ name # SKIP`; a name printed first
 * as `▶ name` is a suite or a parent test. `ℹ tests N` … closes it.
 */
function nodeOwn(output: string): OwnRun {
  const tests: OwnTest[] = [];
  const parents = new Set<string>();
  const lines = output.split('\n');
  const end = lines.findIndex((line) => /^✖ failing tests:/.test(line));
  for (const line of lines.slice(0, end < 0 ? lines.length : end)) {
    const parent = /^(\s*)▶ (.*)$/.exec(line);
    if (parent) {
      parents.add(`${parent[1]}${parent[2]!.replace(/ \([\d.]+m?s\)$/, '')}`);
      continue;
    }
    const match = /^(\s*)([✔✖﹣]) (.*?)(?: \([\d.]+m?s\))?( # SKIP.*| # TODO.*)?$/.exec(line);
    if (!match || parents.has(`${match[1]}${match[3]}`)) continue;
    const status: Status = match[4]
      ? 'skipped'
      : match[2] === '✔'
        ? 'passed'
        : match[2] === '✖'
          ? 'failed'
          : 'skipped';
    tests.push({ name: match[3]!, status });
  }
  const n = (word: string) => Number(new RegExp(`^ℹ ${word} (\\d+)`, 'm').exec(output)?.[1] ?? 0);
  const found = /^ℹ tests \d+/m.test(output);
  return {
    tests,
    summary: found ? { passed: n('pass'), failed: n('fail'), skipped: n('skipped') + n('todo') } : null,
  };
}

/** ava's default reporter: `✔ title`, `✘ [fail]: title`, `- [skip] title`; `N tests passed`, `N test failed`. */
function avaOwn(output: string): OwnRun {
  const tests: OwnTest[] = [];
  for (const line of output.split('\n')) {
    const passed = /^\s+✔ (.*?)(?: \([\d.]+m?s\))?$/.exec(line)?.[1];
    const failed = /^\s+✘ \[fail\]: (.*?)(?: \([\d.]+m?s\))?(?:\s+.*Error.*)?$/.exec(line)?.[1];
    const skipped = /^\s+- \[skip\] (.*)$/.exec(line)?.[1];
    if (passed !== undefined) tests.push({ name: passed, status: 'passed' });
    else if (failed !== undefined) tests.push({ name: failed, status: 'failed' });
    else if (skipped !== undefined) tests.push({ name: skipped, status: 'skipped' });
  }
  const n = (word: string) => Number(new RegExp(`^\\s+(\\d+) tests? ${word}`, 'm').exec(output)?.[1] ?? 0);
  const found = /^\s+\d+ tests? (passed|failed)/m.test(output);
  return {
    tests,
    summary: found ? { passed: n('passed'), failed: n('failed'), skipped: n('skipped') } : null,
  };
}

/**
 * node-tap through its TAP: tests are the subtests (`# Subtest: name`, then their result line); the
 * assertions under them are not tests. The closing `# { total, pass, fail }` or `# fail N` counts
 * assertions.
 */
function nodeTapOwn(output: string): OwnRun {
  type Open = {
    name: string;
    indent: number;
    asserts: number;
    subtests: number;
    failed: boolean;
    childFailed: boolean;
  };
  const tests: OwnTest[] = [];
  const stack: Open[] = [];
  let asserts = 0;
  let failedAsserts = 0;
  for (const line of output.split('\n')) {
    const subtest = /^(\s*)# Subtest: (.*)$/.exec(line);
    if (subtest) {
      stack.push({
        name: subtest[2]!,
        indent: subtest[1]!.length,
        asserts: 0,
        subtests: 0,
        failed: false,
        childFailed: false,
      });
      continue;
    }
    const point = /^(\s*)(not ok|ok) \d+(?: - )?(.*?)(?: # (time=.*|SKIP.*|TODO.*))?$/.exec(line);
    if (!point) continue;
    const indent = point[1]!.length;
    const notOk = point[2] === 'not ok';
    const skipped = /^(SKIP|TODO)/.test(point[4] ?? '');
    const top = stack.at(-1);
    if (top && indent === top.indent) {
      // The subtest's own result line closes it.
      stack.pop();
      const failed = top.failed || (notOk && !top.childFailed);
      if (top.asserts > 0 || top.subtests === 0 || failed)
        tests.push({
          name: [...stack.map((open) => open.name), top.name].join(' > '),
          status: skipped ? 'skipped' : failed ? 'failed' : 'passed',
        });
      const parent = stack.at(-1);
      if (parent) {
        parent.subtests += 1;
        if (notOk) parent.childFailed = true;
      }
      continue;
    }
    if (skipped && top && indent > top.indent) {
      // A skipped subtest is a bare `ok N - name # SKIP`, never announced.
      tests.push({ name: [...stack.map((open) => open.name), point[3]!].join(' > '), status: 'skipped' });
      top.subtests += 1;
      continue;
    }
    asserts += 1;
    if (notOk) failedAsserts += 1;
    if (top) {
      top.asserts += 1;
      if (notOk) top.failed = true;
    }
  }
  const count = (status: Status) => tests.filter((test) => test.status === status).length;
  return {
    tests,
    summary: { passed: count('passed'), failed: count('failed'), skipped: count('skipped') },
    counts: `${asserts} assertions (${failedAsserts} not ok)`,
  };
}

// ---------------------------------------------------------------------------------------------------
// The packages: real published versions, a one-line regression each.

const CASES: Case[] = [
  // tape
  {
    spec: 'minimist@1.2.8',
    name: 'minimist',
    runner: 'tape',
    own: "tape 'test/**/*.js'",
    parse: tapeOwn,
    mutation: {
      file: 'index.js',
      search: 'return (/^[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(e[-+]?\\d+)?$/).test(x);',
      replace: 'return (/^[-+]?\\d+$/).test(x);',
    },
  },
  {
    spec: 'fast-json-stable-stringify@2.1.0',
    name: 'fast-json-stable-stringify',
    runner: 'tape',
    own: 'tape test/*.js',
    parse: tapeOwn,
    mutation: {
      file: 'index.js',
      search: "if (node && node.toJSON && typeof node.toJSON === 'function') {",
      replace: 'if (false) {',
    },
  },
  {
    spec: 'pg-types@2.2.0',
    name: 'pg-types',
    runner: 'tape',
    own: 'tape test/*.js',
    parse: tapeOwn,
    mutation: {
      file: 'lib/textParsers.js',
      search: "return value === 'TRUE' ||",
      replace: "return value === 'FALSE' ||",
    },
  },
  {
    spec: '@fastify/deepmerge@3.2.4',
    name: 'fastify-deepmerge',
    runner: 'tape',
    own: 'tape test/*.js',
    parse: tapeOwn,
    mutation: { file: 'index.js', search: 'result[i] = clone(value[i])', replace: 'result[i] = value[i]' },
  },
  // node:test
  {
    spec: '@fastify/error@4.3.0',
    name: 'fastify-error',
    runner: 'node-test',
    own: 'node --test --test-reporter=spec',
    parse: nodeOwn,
    mutation: {
      file: 'index.js',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the package's source text
      search: 'return `${this.name} [${this.code}]: ${this.message}`',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the package's source text
      replace: 'return `${this.name} [${this.code}] ${this.message}`',
    },
  },
  {
    spec: 'fastify-plugin@6.0.1',
    name: 'fastify-plugin',
    runner: 'node-test',
    own: 'node --test --test-reporter=spec',
    parse: nodeOwn,
    mutation: {
      file: 'lib/toCamelCase.js',
      search: "name = name.slice(1).replace('/', '-')",
      replace: "name = name.replace('/', '-')",
    },
  },
  // node-tap
  {
    spec: 'on-exit-leak-free@2.1.2',
    name: 'on-exit-leak-free',
    runner: 'tap',
    own: 'tap test/*.js --reporter=tap',
    parse: nodeTapOwn,
    mutation: { file: 'index.js', search: "  callRefs('beforeExit')", replace: "  callRefs('exit')" },
  },
  {
    spec: 'isexe@2.0.0',
    name: 'isexe',
    runner: 'tap',
    own: 'tap test/*.js --reporter=tap',
    parse: nodeTapOwn,
    mutation: {
      file: 'index.js',
      search: "if (er.code === 'EACCES' || options && options.ignoreErrors) {",
      replace: "if (er.code === 'EACCES') {",
    },
  },
  {
    spec: 'fast-redact@3.5.0',
    name: 'fast-redact',
    runner: 'tap',
    own: 'tap test --reporter=tap',
    parse: nodeTapOwn,
    mutation: {
      file: 'lib/validator.js',
      search: "if (typeof s !== 'string') {",
      replace: "if (typeof s !== 'string' && typeof s !== 'number') {",
    },
  },
  // mocha
  {
    spec: 'setprototypeof@1.2.0',
    name: 'setprototypeof',
    runner: 'mocha',
    own: 'mocha --reporter spec',
    parse: mochaOwn,
    mutation: {
      file: 'index.js',
      search: 'module.exports = Object.setPrototypeOf ||',
      replace: 'module.exports = Object.assign ||',
    },
  },
  {
    spec: 'file-uri-to-path@1.0.0',
    name: 'file-uri-to-path',
    runner: 'mocha',
    own: 'mocha --reporter spec',
    parse: mochaOwn,
    mutation: { file: 'index.js', search: "if ('localhost' == host) host = '';", replace: '' },
  },
  {
    spec: '@sinonjs/commons@3.0.1',
    name: 'sinonjs-commons',
    runner: 'mocha',
    own: "mocha --recursive --reporter spec 'lib/**/*.test.js'",
    parse: mochaOwn,
    mutation: {
      file: 'lib/class-name.js',
      search: 'return name || null;',
      replace: 'return name || undefined;',
    },
  },
  // jest
  {
    spec: 'reghex@3.0.2',
    name: 'reghex',
    runner: 'jest',
    own: 'jest --verbose',
    parse: jestOwn,
    mutation: {
      file: 'src/core.js',
      search: 'if (predicate && match) match = predicate(match);',
      replace: 'if (predicate && match) match = match;',
    },
  },
  {
    // jest 22 with babel 6: the suite fails to load on Node 20, before and after; nothing can break.
    spec: 'gensync@1.0.0-beta.2',
    name: 'gensync',
    runner: 'jest',
    own: 'jest --verbose',
    parse: jestOwn,
    mutation: {
      file: 'index.js',
      search: 'const GENSYNC_START = Symbol.for("gensync:v1:start");',
      replace: 'const GENSYNC_START = Symbol.for("gensync:v2:start");',
    },
  },
  // ava
  {
    spec: 'universal-github-app-jwt@2.2.2',
    name: 'universal-github-app-jwt',
    runner: 'ava',
    own: 'ava test/node.test.js',
    parse: avaOwn,
    mutation: {
      file: 'lib/utils.js',
      search: 'return privateKey.includes("-----BEGIN OPENSSH PRIVATE KEY-----");',
      replace: 'return false;',
    },
  },
];

// ---------------------------------------------------------------------------------------------------

const WORK = process.env.VALIDATE_DIR ?? '/tmp/drydock-validate-real';
process.env.DRYDOCK_HOME ??= '/tmp/dd-real-home';
/** The sandbox's Node is the system's: the runner's own run on the host uses it too. */
const HOST_PATH = (process.env.PATH ?? '')
  .split(':')
  .filter((dir) => !dir.includes('node_modules'))
  .join(':');

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv = {}): { code: number; output: string } {
  const result = spawnSync('bash', ['-c', `${command} 2>&1`], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      PATH: `${cwd}/node_modules/.bin:${HOST_PATH}`,
      CI: 'true',
      NO_COLOR: '1',
      FORCE_COLOR: '0',
      ...env,
    },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  // Some runners colour their output whatever NO_COLOR says (mocha 3).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes
  const output = (result.stdout ?? '').replace(/\u001b\[[\d;]*m/g, '');
  return { code: result.status ?? -1, output };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=validate', '-c', 'user.email=validate@example.org', ...args], {
    cwd,
    encoding: 'utf8',
  });
}

/** The tarball as a repository: `main` as published (plus a generated lockfile), `mutated` with the regression. */
function prepare(test: Case): string {
  const dir = join(WORK, test.name);
  const repo = join(dir, 'repo');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  const tgz = sh(`npm pack ${test.spec} --silent`, dir).output.trim().split('\n').at(-1)!;
  sh(`tar -xzf ${tgz} -C repo --strip-components=1 && rm ${tgz}`, dir);
  git(repo, 'init', '-q', '-b', 'main');
  if (!sh('test -f package-lock.json', repo).code) {
    /* published with one */
  } else {
    const lock = sh('npm install --package-lock-only --ignore-scripts --no-audit --no-fund', repo);
    if (lock.code !== 0) throw new Error(`npm could not lock ${test.spec}:\n${lock.output.slice(-2000)}`);
  }
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', `${test.spec} as published`);
  const path = join(repo, test.mutation.file);
  const source = readFileSync(path, 'utf8');
  if (source.split(test.mutation.search).length !== 2)
    throw new Error(`${test.spec}: the mutation's text is not in ${test.mutation.file} exactly once`);
  git(repo, 'checkout', '-qb', 'mutated');
  writeFileSync(path, source.replace(test.mutation.search, test.mutation.replace));
  git(repo, 'commit', '-qam', `regression in ${test.mutation.file}`);
  git(repo, 'checkout', '-q', 'main');
  return repo;
}

/** The runner's own way on the host: a plain clone, npm ci, the runner with its verbose reporter. */
function ownRuns(test: Case, repo: string): { baseline: OwnRun; mutated: OwnRun; log: string } {
  const clone = join(WORK, test.name, 'host');
  rmSync(clone, { recursive: true, force: true });
  git(WORK, 'clone', '-q', repo, clone);
  const install = sh('npm ci --no-audit --no-fund', clone);
  if (install.code !== 0) throw new Error(`npm ci failed on the host:\n${install.output.slice(-2000)}`);
  const before = sh(test.own, clone);
  git(clone, 'checkout', '-q', 'origin/mutated');
  const after = sh(test.own, clone);
  writeFileSync(join(WORK, test.name, 'own-baseline.txt'), before.output);
  writeFileSync(join(WORK, test.name, 'own-mutated.txt'), after.output);
  return {
    baseline: { ...test.parse(before.output), exitCode: before.code },
    mutated: { ...test.parse(after.output), exitCode: after.code },
    log: before.output,
  };
}

const RANK: Record<Status, number> = { skipped: 0, passed: 1, failed: 2 };

/** One test per name, the worse status. */
function distinctNames(tests: readonly OwnTest[]): OwnTest[] {
  const byName = new Map<string, OwnTest>();
  for (const test of tests) {
    const seen = byName.get(test.name);
    if (!seen || RANK[test.status] > RANK[seen.status]) byName.set(test.name, test);
  }
  return [...byName.values()];
}

interface DrydockTest {
  id: string;
  status: Status;
}

/** Matches the runner's tests to drydock's, one to one: same status, drydock's id ending with the runner's name. */
function matchTests(
  own: readonly OwnTest[],
  drydock: readonly DrydockTest[],
): { unmatchedOwn: string[]; unmatchedDrydock: string[] } {
  const norm = (text: string) =>
    text
      .replace(/\s+/g, ' ')
      .replace(/ › | > /g, ' ')
      .trim();
  const left = drydock.map((test) => ({ ...test, key: norm(test.id) }));
  const unmatchedOwn: string[] = [];
  for (const test of own) {
    const name = norm(test.name);
    const index = left.findIndex(
      (candidate) =>
        candidate.status === test.status && (candidate.key === name || candidate.key.endsWith(` ${name}`)),
    );
    if (index < 0) unmatchedOwn.push(`${test.status} ${test.name}`);
    else left.splice(index, 1);
  }
  return { unmatchedOwn, unmatchedDrydock: left.map((test) => `${test.status} ${test.id}`) };
}

interface Row {
  package: string;
  runner: string;
  command: string;
  drydockBaseline: string;
  ownBaseline: string;
  baselineMatch: boolean;
  verdict: string;
  ownBroken: string;
  verdictMatch: boolean;
  notes: string[];
}

const fmt = (s: { passed: number; failed: number; skipped: number } | null | undefined) =>
  s ? `${s.passed}/${s.failed}/${s.skipped}` : '—';

async function validate(test: Case): Promise<Row> {
  const { openEmbedded } = await import('../src/cli/cli-context.ts');
  const { showChecks } = await import('../src/sessions/repository-checks.ts');
  const { decideGate } = await import('../src/verify/gate.ts');
  const notes: string[] = [];
  const repo = prepare(test);
  const deps = await openEmbedded(process.env, process.cwd(), {});
  const logs: Record<string, string> = { main: '', mutated: '' };
  const checks = async (ref: 'main' | 'mutated') => {
    try {
      return await showChecks(deps, repo, { ref, run: true, all: true }, (text) => {
        logs[ref] += text;
      });
    } finally {
      writeFileSync(join(WORK, test.name, `drydock-${ref}.txt`), logs[ref]!);
    }
  };
  let baseline: Awaited<ReturnType<typeof checks>>;
  let after: Awaited<ReturnType<typeof checks>>;
  try {
    baseline = await checks('main');
    after = await checks('mutated');
  } finally {
    await deps.store.close?.();
  }
  const own = ownRuns(test, repo);
  writeFileSync(join(WORK, test.name, 'own.json'), JSON.stringify(own, null, 2));
  const testCheck = baseline.find((outcome) => outcome.check.kind === 'test');
  const afterCheck = after.find((outcome) => outcome.check.kind === 'test');
  if (testCheck?.check.runner !== test.runner)
    notes.push(`drydock found runner ${testCheck?.check.runner ?? 'none'}`);
  const dBase = testCheck?.tests?.parsed ? testCheck.tests : null;
  const dAfter = afterCheck?.tests?.parsed ? afterCheck.tests : null;
  if (!dBase) notes.push(`baseline per-test results unknown: ${testCheck?.testsUnreadable ?? 'not parsed'}`);

  // Baseline, test by test. Runners that name no file (tape, node:test) can print two tests by one name:
  // drydock keeps one id for them, the worse status (documented); they are compared as one here, and said.
  const distinct = distinctNames(own.baseline.tests);
  const repeated = own.baseline.tests.length - distinct.length;
  if (repeated > 0)
    notes.push(`${repeated} of the runner's tests repeat another's name: one id each for drydock`);
  const baseMatch = matchTests(distinct, dBase?.tests ?? []);
  const countsAgree =
    own.baseline.summary !== null &&
    (repeated > 0 || fmt(own.baseline.summary) === fmt(dBase?.summary)) &&
    distinct.length === (dBase?.tests.length ?? -1);
  for (const line of [
    ...baseMatch.unmatchedOwn.map((t) => `runner only: ${t}`),
    ...baseMatch.unmatchedDrydock.map((t) => `drydock only: ${t}`),
  ].slice(0, 8))
    notes.push(line);
  if (own.baseline.counts) notes.push(`runner's summary counts ${own.baseline.counts}`);

  // The regression: the gate's verdict against the tests the runner says broke.
  const verdict = decideGate({
    task: 'Refactor the option parsing.',
    summary: '',
    baseline,
    after,
    signals: [],
    touchedFiles: [test.mutation.file],
  });
  const passedBefore = new Set(own.baseline.tests.filter((t) => t.status === 'passed').map((t) => t.name));
  const ownBroken = distinctNames(own.mutated.tests).filter(
    (t) => t.status === 'failed' && passedBefore.has(t.name),
  );
  const problems = verdict.problems.join('\n');
  const failingNow = dAfter?.tests.filter((t) => t.status === 'failed') ?? [];
  // Named: in a problem's list of tests (`…: a, b and 3 more`), as a whole item.
  const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const named = failingNow.filter((t) =>
    new RegExp(`(?:: |, )${literal(t.id)}(?:, | and \\d+ more|$)`, 'm').test(problems),
  );
  const more = [...problems.matchAll(/ and (\d+) more/g)].reduce((sum, m) => sum + Number(m[1]), 0);
  const brokenMatch = matchTests(
    ownBroken,
    named.map((t) => ({ id: t.id, status: 'failed' as const })),
  );
  // Blocked, naming exactly the tests the runner says broke; when none broke, blocked only when the runner
  // passed before and fails now (a coverage threshold), naming no test.
  const exitRegressed = own.baseline.exitCode === 0 && own.mutated.exitCode !== 0;
  const verdictMatch =
    ownBroken.length === 0
      ? verdict.passed !== exitRegressed && named.length === 0
      : !verdict.passed &&
        (more > 0
          ? named.length + more === ownBroken.length
          : brokenMatch.unmatchedOwn.length === 0 && brokenMatch.unmatchedDrydock.length === 0);
  if (!verdictMatch) notes.push(...verdict.problems.map((p) => `problem: ${p.slice(0, 300)}`));
  for (const line of [
    ...brokenMatch.unmatchedOwn.map((t) => `broken, not named: ${t}`),
    ...brokenMatch.unmatchedDrydock.map((t) => `named, not broken: ${t}`),
  ].slice(0, 6))
    notes.push(line);
  writeFileSync(join(WORK, test.name, 'verdict.json'), JSON.stringify({ verdict, ownBroken }, null, 2));
  return {
    package: test.spec,
    runner: testCheck?.check.runner ?? 'none',
    command: testCheck?.check.label ?? testCheck?.check.command ?? '—',
    drydockBaseline: `${dBase?.tests.length ?? '?'} (${fmt(dBase?.summary)})`,
    ownBaseline: `${own.baseline.tests.length}${repeated > 0 ? `, ${distinct.length} names` : ''} (${fmt(own.baseline.summary)})`,
    baselineMatch:
      countsAgree && baseMatch.unmatchedOwn.length === 0 && baseMatch.unmatchedDrydock.length === 0,
    verdict: `${verdict.passed ? 'passed' : 'blocked'}, ${named.length + more} named`,
    ownBroken: `${ownBroken.length} broke${ownBroken.length === 0 && exitRegressed ? `, exit ${own.baseline.exitCode} → ${own.mutated.exitCode}` : ''}`,
    verdictMatch,
    notes,
  };
}

const OWN_PARSERS: Record<string, (output: string) => OwnRun> = {
  tape: tapeOwn,
  mocha: mochaOwn,
  jest: jestOwn,
  'node-test': nodeOwn,
  ava: avaOwn,
  tap: nodeTapOwn,
};

async function main(): Promise<void> {
  // `--parse RUNNER FILE`: how this script reads a runner's own output (for checking the script itself).
  if (process.argv[2] === '--parse') {
    const parse = OWN_PARSERS[process.argv[3] ?? ''];
    if (!parse) throw new Error(`--parse ${Object.keys(OWN_PARSERS).join('|')} FILE`);
    process.stdout.write(`${JSON.stringify(parse(readFileSync(process.argv[4]!, 'utf8')), null, 1)}\n`);
    return;
  }
  if (process.argv[2] === '--table') {
    printTable(storedRows());
    return;
  }
  const only = process.argv.slice(2);
  const cases = only.length > 0 ? CASES.filter((c) => only.includes(c.name) || only.includes(c.spec)) : CASES;
  mkdirSync(WORK, { recursive: true });
  const rows: Row[] = [];
  for (const test of cases) {
    process.stderr.write(`${test.spec}…\n`);
    try {
      rows.push(await validate(test));
    } catch (error) {
      rows.push({
        package: test.spec,
        runner: '—',
        command: '—',
        drydockBaseline: '—',
        ownBaseline: '—',
        baselineMatch: false,
        verdict: '—',
        ownBroken: '—',
        verdictMatch: false,
        notes: [
          `could not validate: ${String(error instanceof Error ? error.message : error)
            .split('\n')
            .slice(0, 6)
            .join(' | ')}`,
        ],
      });
    }
    const row = rows.at(-1)!;
    writeFileSync(join(WORK, test.name, 'row.json'), JSON.stringify(row, null, 2));
    process.stderr.write(`  ${row.baselineMatch && row.verdictMatch ? 'ok' : 'MISMATCH'}\n`);
  }
  printTable(rows);
}

/** `--table`: the table of every package's last run (each kept in $VALIDATE_DIR/<name>/row.json). */
function storedRows(): Row[] {
  return CASES.flatMap((test) => {
    try {
      return [JSON.parse(readFileSync(join(WORK, test.name, 'row.json'), 'utf8')) as Row];
    } catch {
      return [];
    }
  });
}

/** The report drydock reads for each runner (src/verify/test-reporters.ts). */
const REPORTS: Record<string, string> = {
  tape: 'TAP printed',
  tap: 'TAP printed',
  ava: 'TAP printed',
  mocha: 'mocha JSON',
  jest: 'jest JSON',
  vitest: 'jest JSON',
  'node-test': 'JUnit XML',
};

function printTable(rows: readonly Row[]): void {
  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const lines = [
    '| package | drydock: runner, report | the runner call drydock found | drydock read at baseline (p/f/s) | the runner (p/f/s) | match | gate on the regression | the runner: passed before, fail after | match |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.package} | ${r.runner}, ${REPORTS[r.runner] ?? '—'} | \`${r.command.replaceAll('|', '\\|')}\` | ${r.drydockBaseline} | ${r.ownBaseline} | ${yes(r.baselineMatch)} | ${r.verdict} | ${r.ownBroken} | ${yes(r.verdictMatch)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n\n`);
  for (const row of rows) {
    process.stdout.write(`${row.package}: ${row.command}\n`);
    for (const note of row.notes) process.stdout.write(`  ${note}\n`);
  }
  writeFileSync(join(WORK, 'results.json'), JSON.stringify(rows, null, 2));
  process.exitCode = rows.every((r) => r.baselineMatch && r.verdictMatch) ? 0 : 1;
}

await main();
