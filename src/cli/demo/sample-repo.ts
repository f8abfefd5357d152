import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from '../../forge/git.ts';

const FILES: Record<string, string> = {
  'package.json': `${JSON.stringify(
    { name: 'drydock-demo-sample', private: true, type: 'module', scripts: { test: 'node --test' } },
    null,
    2,
  )}\n`,
  'README.md': '# Sample\n\nA tiny library with a bug, for the drydock demo.\n',
  'src/stats.js': `/** The arithmetic mean of a list of numbers; 0 for an empty list. */
export function mean(numbers) {
  if (numbers.length === 0) return 0;
  let total = 0;
  for (let i = 1; i < numbers.length; i++) total += numbers[i];
  return total / numbers.length;
}
`,
  'test/stats.test.js': `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mean } from '../src/stats.js';

test('mean of several numbers', () => {
  assert.equal(mean([2, 4, 6]), 4);
});

test('mean of an empty list is 0', () => {
  assert.equal(mean([]), 0);
});
`,
};

const DEMO_USER = { name: 'Demo User', email: 'demo.user@example.invalid' };

/** Creates the demo's sample repository (one commit, a failing test) in `dir`, which must be empty. */
export async function createSampleRepo(dir: string): Promise<void> {
  for (const [path, content] of Object.entries(FILES)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await git(['init', '--quiet', '--initial-branch=main'], { cwd: dir });
  await git(['config', 'user.name', DEMO_USER.name], { cwd: dir });
  await git(['config', 'user.email', DEMO_USER.email], { cwd: dir });
  await git(['add', '--all'], { cwd: dir });
  await git(['commit', '--quiet', '-m', 'A small stats library'], { cwd: dir });
}
