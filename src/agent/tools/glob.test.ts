import { describe, expect, it } from 'vitest';
import { globMatcher } from './glob.ts';

describe('globMatcher', () => {
  it.each([
    ['*.ts', 'src/a.ts', true],
    ['*.ts', 'a.ts', true],
    ['*.ts', 'a.tsx', false],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/deep/a.ts', false],
    ['src/*.ts', 'lib/src/a.ts', false],
    ['src/**/*.ts', 'src/deep/er/a.ts', true],
    ['src/**/*.ts', 'src/a.ts', true],
    ['src/**', 'src/a/b', true],
    ['**/test/*.js', 'test/a.js', true],
    ['**/test/*.js', 'pkg/test/a.js', true],
    ['*.{js,ts}', 'lib/x.js', true],
    ['*.{js,ts}', 'lib/x.py', false],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file12.txt', false],
    ['file[12].txt', 'file2.txt', true],
    ['file[12].txt', 'file3.txt', false],
    ['./README.md', 'README.md', true],
    ['a.b', 'axb', false],
    // Dotfiles and dot directories are files like any other.
    ['*.env', '.env', true],
    ['*', '.gitignore', true],
    ['.github/**', '.github/workflows/ci.yml', true],
    ['src/**', 'src/.cache/x', true],
    ['**/*.yml', '.github/workflows/ci.yml', true],
    // Negation: everything the rest of the pattern does not match.
    ['!*.ts', 'src/a.js', true],
    ['!*.ts', 'src/a.ts', false],
    ['!src/**', 'lib/a.ts', true],
    ['!src/**', 'src/a.ts', false],
  ])('%s matches %s: %s', (pattern, path, expected) => {
    expect(globMatcher(pattern)(path)).toBe(expected);
  });
});
