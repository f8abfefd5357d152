import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { locateScript, scriptNameProblem } from './script-location.ts';

const root = mkdtempSync(join(tmpdir(), 'drydock-scripts-'));
const scriptsDir = join(root, 'scripts');
mkdirSync(join(scriptsDir, 'team'), { recursive: true });
writeFileSync(join(scriptsDir, 'fix.json'), '[]');
writeFileSync(join(scriptsDir, 'team', 'review.json'), '[]');
writeFileSync(join(root, 'outside.json'), '[]');
symlinkSync('/etc/passwd', join(scriptsDir, 'passwd.json'));
symlinkSync(join(root, 'outside.json'), join(scriptsDir, 'outside.json'));
symlinkSync(join(scriptsDir, 'fix.json'), join(scriptsDir, 'alias.json'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function codeOf(name: string): string {
  try {
    locateScript(name, { cwd: root, scriptsDir });
    return 'found';
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    expect(message).not.toContain(root);
    return code;
  }
}

describe('scriptNameProblem: names a server accepts in script:<name> (pure)', () => {
  it.each([
    ['fix.json', false],
    ['team/review.json', false],
    ['fix', false],
    ['/etc/shadow', true],
    ['../../etc/passwd', true],
    ['team/../../x.json', true],
    ['./fix.json', true],
    ['.hidden.json', true],
    ['team//x.json', true],
    ['', true],
    ['C:\\x.json', true],
  ])('%j refused: %s', (name, refused) => {
    expect(scriptNameProblem(name) !== null).toBe(refused);
  });
});

describe('locateScript', () => {
  it('confines server scripts to the scripts directory, links included, and never names the directory', () => {
    expect(locateScript('fix.json', { cwd: root, scriptsDir })).toEqual({
      path: join(scriptsDir, 'fix.json'),
      source: 'fix.json',
    });
    expect(codeOf('team/review.json')).toBe('found');
    expect(codeOf('alias.json')).toBe('found');
    expect(codeOf('/etc/shadow')).toBe('script_path_not_allowed');
    expect(codeOf('../outside.json')).toBe('script_path_not_allowed');
    expect(codeOf('passwd.json')).toBe('script_path_not_allowed');
    expect(codeOf('outside.json')).toBe('script_path_not_allowed');
    expect(codeOf('team')).toBe('unknown_script');
    expect(codeOf('missing.json')).toBe('unknown_script');
  });

  it('takes any path on the local CLI, relative to its working directory', () => {
    expect(locateScript('outside.json', { cwd: root })).toEqual({
      path: join(root, 'outside.json'),
      source: join(root, 'outside.json'),
    });
    expect(locateScript('/etc/passwd', { cwd: root }).path).toBe('/etc/passwd');
  });
});
