/**
 * The built-in task set (`drydock eval --builtin`): three small JavaScript libraries with no
 * dependencies and six bugs, one per bug class. Each instance's hidden tests (its test_patch) add
 * cases to a module's test file; FAIL_TO_PASS are the cases the bug fails, PASS_TO_PASS every other
 * case, visible or hidden. Data only: generate-task-set.ts writes the repositories and tasks.jsonl.
 */

/** One `it(...)` in a test file: `suite` is its `describe`. */
export interface TestCaseSpec {
  suite: string;
  name: string;
  /** The body's statements, indented by the renderer. */
  body: string;
}

/** A test file: what it imports from the library, and its cases. */
export interface TestFileSpec {
  imports: string;
  cases: TestCaseSpec[];
}

export interface RepoSpec {
  name: string;
  description: string;
  /** The library's files at the base commit, by path. */
  files: Record<string, string>;
  /** The visible tests, by path. */
  tests: Record<string, TestFileSpec>;
}

export interface InstanceSpec {
  instanceId: string;
  repo: string;
  bugClass: string;
  problemStatement: string;
  /** The reference fix: files as they are after it, by path. */
  fix: Record<string, string>;
  /** Hidden cases added by the test patch, by test file (merged with its visible cases). */
  hiddenTests: Record<string, TestFileSpec>;
  /** The hidden cases the bug fails, as `suite > name`. */
  failToPass: string[];
  /** A plausible fix that makes FAIL_TO_PASS pass but breaks a hidden PASS_TO_PASS case. */
  carelessFix?: Record<string, string>;
}

const TITLE_BASE = `const SMALL_WORDS = new Set(['a', 'an', 'and', 'in', 'of', 'on', 'the', 'to']);

const capitalize = (word) => word.charAt(0).toUpperCase() + word.slice(1);

/** Title case: every word capitalized, except small words (articles, short prepositions). */
export function titleCase(text) {
  return text
    .toLowerCase()
    .split(' ')
    .map((word) => (SMALL_WORDS.has(word) ? word : capitalize(word)))
    .join(' ');
}
`;

export const BUILTIN_REPOS: RepoSpec[] = [
  {
    name: 'textkit',
    description: 'Small text helpers: durations and titles.',
    files: {
      'src/duration.js': `/** Formats a number of seconds as H:MM:SS (hours not padded). */
export function formatDuration(totalSeconds) {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return \`\${hours}:\${minutes}:\${seconds}\`;
}
`,
      'src/title.js': TITLE_BASE,
    },
    tests: {
      'test/duration.test.js': {
        imports: "import { formatDuration } from '../src/duration.js';",
        cases: [
          {
            suite: 'formatDuration',
            name: 'formats hours, minutes and seconds',
            body: "assert.equal(formatDuration(5025), '1:23:45');",
          },
          {
            suite: 'formatDuration',
            name: 'formats ten hours and more',
            body: "assert.equal(formatDuration(36610), '10:10:10');",
          },
        ],
      },
      'test/title.test.js': {
        imports: "import { titleCase } from '../src/title.js';",
        cases: [
          {
            suite: 'titleCase',
            name: 'capitalizes each word',
            body: "assert.equal(titleCase('hello brave new world'), 'Hello Brave New World');",
          },
        ],
      },
    },
  },
  {
    name: 'pager',
    description: 'Paging through lists, and ranges.',
    files: {
      'src/paginate.js': `/** The number of pages needed to show \`total\` items, \`perPage\` to a page. */
export function pageCount(total, perPage) {
  return Math.floor(total / perPage);
}

/** The items on page \`page\` (the first page is 1). */
export function pageItems(items, page, perPage) {
  const start = (page - 1) * perPage;
  return items.slice(start, start + perPage);
}
`,
      'src/range.js': `/** Whether \`value\` lies between \`low\` and \`high\`, both included. */
export function isBetween(value, low, high) {
  return value >= low && value < high;
}
`,
    },
    tests: {
      'test/paginate.test.js': {
        imports: "import { pageCount, pageItems } from '../src/paginate.js';",
        cases: [
          { suite: 'pageCount', name: 'counts full pages', body: 'assert.equal(pageCount(20, 10), 2);' },
          {
            suite: 'pageItems',
            name: 'returns the items of a page',
            body: 'assert.deepEqual(pageItems([1, 2, 3, 4, 5], 2, 2), [3, 4]);',
          },
        ],
      },
      'test/range.test.js': {
        imports: "import { isBetween } from '../src/range.js';",
        cases: [
          {
            suite: 'isBetween',
            name: 'includes the lower bound',
            body: 'assert.equal(isBetween(1, 1, 5), true);',
          },
          {
            suite: 'isBetween',
            name: 'rejects values outside the range',
            body: 'assert.equal(isBetween(0, 1, 5), false);\nassert.equal(isBetween(6, 1, 5), false);',
          },
        ],
      },
    },
  },
  {
    name: 'jobs',
    description: 'Running async jobs, and batching.',
    files: {
      'src/run-all.js': `/**
 * Runs async tasks (functions returning a promise) one after another, and resolves with their
 * results in order.
 */
export async function runAll(tasks) {
  const results = [];
  tasks.forEach(async (task) => {
    results.push(await task());
  });
  return results;
}
`,
      'src/chunk.js': `/** Splits \`items\` into lists of \`size\` items; the last may be shorter. */
export function chunk(items, size) {
  const chunks = [[]];
  for (const item of items) {
    if (chunks[chunks.length - 1].length === size) chunks.push([]);
    chunks[chunks.length - 1].push(item);
  }
  return chunks;
}
`,
    },
    tests: {
      'test/run-all.test.js': {
        imports: "import { runAll } from '../src/run-all.js';",
        cases: [
          {
            suite: 'runAll',
            name: 'resolves with no results for no tasks',
            body: 'assert.deepEqual(await runAll([]), []);',
          },
        ],
      },
      'test/chunk.test.js': {
        imports: "import { chunk } from '../src/chunk.js';",
        cases: [
          {
            suite: 'chunk',
            name: 'splits into chunks of the size',
            body: 'assert.deepEqual(chunk([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);',
          },
        ],
      },
    },
  },
];

const SLOW_TASKS = `const running = { now: 0, most: 0 };
const task = (value, ms) => async () => {
  running.now++;
  running.most = Math.max(running.most, running.now);
  await new Promise((resolve) => setTimeout(resolve, ms));
  running.now--;
  return value;
};`;

export const BUILTIN_INSTANCES: InstanceSpec[] = [
  {
    instanceId: 'textkit-1',
    repo: 'textkit',
    bugClass: 'string formatting',
    problemStatement: `formatDuration pads nothing

\`formatDuration(3725)\` returns "1:2:5", but durations are written H:MM:SS: it should return "1:02:05". Minutes and seconds always take two digits; hours are not padded. \`formatDuration(0)\` should be "0:00:00".`,
    fix: {
      'src/duration.js': `const twoDigits = (n) => String(n).padStart(2, '0');

/** Formats a number of seconds as H:MM:SS (hours not padded). */
export function formatDuration(totalSeconds) {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return \`\${hours}:\${twoDigits(minutes)}:\${twoDigits(seconds)}\`;
}
`,
    },
    hiddenTests: {
      'test/duration.test.js': {
        imports: "import { formatDuration } from '../src/duration.js';",
        cases: [
          {
            suite: 'formatDuration',
            name: 'pads minutes and seconds to two digits',
            body: "assert.equal(formatDuration(3725), '1:02:05');",
          },
          {
            suite: 'formatDuration',
            name: 'formats zero',
            body: "assert.equal(formatDuration(0), '0:00:00');",
          },
        ],
      },
    },
    failToPass: ['formatDuration > pads minutes and seconds to two digits', 'formatDuration > formats zero'],
  },
  {
    instanceId: 'textkit-2',
    repo: 'textkit',
    bugClass: 'a fix that can regress (the obvious change breaks a hidden PASS_TO_PASS test)',
    problemStatement: `titleCase leaves a title's first word in lower case

\`titleCase('the lord of the rings')\` returns "the Lord of the Rings". The first word of a title is always capitalized, even a small word such as "the" or "a": it should return "The Lord of the Rings".`,
    fix: {
      'src/title.js': TITLE_BASE.replace(
        '.map((word) => (SMALL_WORDS.has(word) ? word : capitalize(word)))',
        '.map((word, index) => (index > 0 && SMALL_WORDS.has(word) ? word : capitalize(word)))',
      ),
    },
    carelessFix: {
      'src/title.js': TITLE_BASE.replace(
        '.map((word) => (SMALL_WORDS.has(word) ? word : capitalize(word)))',
        '.map((word) => capitalize(word))',
      ),
    },
    hiddenTests: {
      'test/title.test.js': {
        imports: "import { titleCase } from '../src/title.js';",
        cases: [
          {
            suite: 'titleCase',
            name: 'capitalizes a small word at the start',
            body: "assert.equal(titleCase('the hobbit'), 'The Hobbit');\nassert.equal(titleCase('a tale of two cities').charAt(0), 'A');",
          },
          {
            suite: 'titleCase',
            name: 'keeps small words lowercase inside a title',
            body: "assert.equal(titleCase('war and peace'), 'War and Peace');",
          },
        ],
      },
    },
    failToPass: ['titleCase > capitalizes a small word at the start'],
  },
  {
    instanceId: 'pager-1',
    repo: 'pager',
    bugClass: 'off by one',
    problemStatement: `pageCount drops the last page

With 21 items and 10 to a page, \`pageCount(21, 10)\` says 2 pages, so the 21st item can never be shown. A last, partly filled page counts as a page: it should be 3. \`pageCount(3, 10)\` should be 1.`,
    fix: {
      'src/paginate.js': `/** The number of pages needed to show \`total\` items, \`perPage\` to a page. */
export function pageCount(total, perPage) {
  return Math.ceil(total / perPage);
}

/** The items on page \`page\` (the first page is 1). */
export function pageItems(items, page, perPage) {
  const start = (page - 1) * perPage;
  return items.slice(start, start + perPage);
}
`,
    },
    hiddenTests: {
      'test/paginate.test.js': {
        imports: "import { pageCount, pageItems } from '../src/paginate.js';",
        cases: [
          {
            suite: 'pageCount',
            name: 'counts a last partial page',
            body: 'assert.equal(pageCount(21, 10), 3);',
          },
          {
            suite: 'pageCount',
            name: 'needs one page for fewer items than a page holds',
            body: 'assert.equal(pageCount(3, 10), 1);',
          },
          {
            suite: 'pageCount',
            name: 'needs no page for no items',
            body: 'assert.equal(pageCount(0, 10), 0);',
          },
        ],
      },
    },
    failToPass: [
      'pageCount > counts a last partial page',
      'pageCount > needs one page for fewer items than a page holds',
    ],
  },
  {
    instanceId: 'pager-2',
    repo: 'pager',
    bugClass: 'wrong comparison',
    problemStatement: `isBetween excludes its upper bound

\`isBetween(5, 1, 5)\` returns false, but the range includes both bounds (as its documentation says): it should return true.`,
    fix: {
      'src/range.js': `/** Whether \`value\` lies between \`low\` and \`high\`, both included. */
export function isBetween(value, low, high) {
  return value >= low && value <= high;
}
`,
    },
    hiddenTests: {
      'test/range.test.js': {
        imports: "import { isBetween } from '../src/range.js';",
        cases: [
          {
            suite: 'isBetween',
            name: 'includes the upper bound',
            body: 'assert.equal(isBetween(5, 1, 5), true);',
          },
        ],
      },
    },
    failToPass: ['isBetween > includes the upper bound'],
  },
  {
    instanceId: 'jobs-1',
    repo: 'jobs',
    bugClass: 'async',
    problemStatement: `runAll resolves before its tasks finish

\`await runAll([taskA, taskB])\` resolves with an empty list while the tasks are still running, and it starts them all at once. It should run them one after another and resolve with their results, in order, once the last one is done.`,
    fix: {
      'src/run-all.js': `/**
 * Runs async tasks (functions returning a promise) one after another, and resolves with their
 * results in order.
 */
export async function runAll(tasks) {
  const results = [];
  for (const task of tasks) {
    results.push(await task());
  }
  return results;
}
`,
    },
    hiddenTests: {
      'test/run-all.test.js': {
        imports: `import { runAll } from '../src/run-all.js';

${SLOW_TASKS}`,
        cases: [
          {
            suite: 'runAll',
            name: 'resolves with every result in order',
            body: "assert.deepEqual(await runAll([task('a', 30), task('b', 1), task('c', 10)]), ['a', 'b', 'c']);",
          },
          {
            suite: 'runAll',
            name: 'runs one task at a time',
            body: 'running.most = 0;\nawait runAll([task(1, 5), task(2, 5), task(3, 5)]);\nassert.equal(running.most, 1);',
          },
        ],
      },
    },
    failToPass: ['runAll > resolves with every result in order', 'runAll > runs one task at a time'],
  },
  {
    instanceId: 'jobs-2',
    repo: 'jobs',
    bugClass: 'missing edge case',
    problemStatement: `chunk mishandles an empty list and a size below 1

\`chunk([], 3)\` returns [[]] (one empty chunk); it should return [] (no chunks). And \`chunk([1, 2], 0)\` returns a list with an empty chunk in front instead of refusing: a size below 1 should throw a RangeError.`,
    fix: {
      'src/chunk.js': `/** Splits \`items\` into lists of \`size\` items; the last may be shorter. */
export function chunk(items, size) {
  if (!(size >= 1)) throw new RangeError(\`chunk size must be at least 1, not \${size}\`);
  const chunks = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
`,
    },
    hiddenTests: {
      'test/chunk.test.js': {
        imports: "import { chunk } from '../src/chunk.js';",
        cases: [
          {
            suite: 'chunk',
            name: 'returns no chunks for an empty list',
            body: 'assert.deepEqual(chunk([], 3), []);',
          },
          {
            suite: 'chunk',
            name: 'refuses a size below 1',
            body: 'assert.throws(() => chunk([1, 2], 0), RangeError);',
          },
          {
            suite: 'chunk',
            name: 'keeps a list shorter than the size in one chunk',
            body: 'assert.deepEqual(chunk([1, 2], 5), [[1, 2]]);',
          },
        ],
      },
    },
    failToPass: ['chunk > returns no chunks for an empty list', 'chunk > refuses a size below 1'],
  },
];
