import { describe, expect, it } from 'vitest';
import { gitlinkPaths, gitlinksInRawDiff, untrackedRepositories } from './stage-workspace.ts';

const oid = (c: string) => c.repeat(40);

describe('gitlinkPaths', () => {
  it('names the submodules of `git ls-files -s -z`, paths with spaces and tabs kept whole', () => {
    const listing = [
      `100644 ${oid('a')} 0\tsrc/app.ts`,
      `160000 ${oid('b')} 0\tvendor/lib`,
      `120000 ${oid('c')} 0\tlink`,
      `160000 ${oid('d')} 0\tdeps/with space\tand tab`,
      '',
    ].join('\0');
    expect(gitlinkPaths(listing)).toEqual(['vendor/lib', 'deps/with space\tand tab']);
    expect(gitlinkPaths('')).toEqual([]);
  });
});

describe('untrackedRepositories', () => {
  it('names the directories `git ls-files --others -z` lists whole: those holding a repository', () => {
    expect(
      untrackedRepositories(['notes.md', 'evil/', 'new/dir/file.txt', 'a/b/nested/', ''].join('\0')),
    ).toEqual(['evil', 'a/b/nested']);
  });
});

describe('gitlinksInRawDiff', () => {
  it('names the paths whose old or new side is a gitlink in `git diff --raw -z`', () => {
    const raw = [
      `:000000 160000 ${oid('0')} ${oid('e')} A`,
      'evil',
      `:100644 100644 ${oid('1')} ${oid('2')} M`,
      'src/app.ts',
      `:160000 160000 ${oid('3')} ${oid('4')} M`,
      'vendor/lib',
      `:160000 000000 ${oid('5')} ${oid('0')} D`,
      'old/sub',
      '',
    ].join('\0');
    expect(gitlinksInRawDiff(raw)).toEqual(['evil', 'vendor/lib', 'old/sub']);
  });

  it('takes the new path of a rename or copy', () => {
    const raw = [`:160000 160000 ${oid('6')} ${oid('6')} R100`, 'from', 'to', ''].join('\0');
    expect(gitlinksInRawDiff(raw)).toEqual(['to']);
  });

  it('finds nothing in a diff without gitlinks, or an empty one', () => {
    expect(gitlinksInRawDiff(`:100644 100755 ${oid('7')} ${oid('7')} M\0run.sh\0`)).toEqual([]);
    expect(gitlinksInRawDiff('')).toEqual([]);
  });
});
