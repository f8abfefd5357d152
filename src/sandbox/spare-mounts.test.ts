import { describe, expect, it } from 'vitest';
import { fstabPath, stagingFstab } from './spare-mounts.ts';

describe('spare mounts', () => {
  it('spells paths as fstab reads them: blanks, newlines and backslashes escaped', () => {
    expect(fstabPath('/plain/path')).toBe('/plain/path');
    expect(fstabPath('/a b\tc\nd\\e')).toBe('/a\\040b\\011c\\012d\\134e');
  });

  it('binds the workspace nosuid and nodev at staging, then each read-only path read-only on itself', () => {
    expect(stagingFstab('/work space', '/spare/staging', ['.git', 'deps/lock'])).toBe(
      [
        '/work\\040space /spare/staging none bind,nosuid,nodev 0 0',
        '/spare/staging/.git /spare/staging/.git none bind,ro,nosuid,nodev 0 0',
        '/spare/staging/deps/lock /spare/staging/deps/lock none bind,ro,nosuid,nodev 0 0',
        '',
      ].join('\n'),
    );
  });
});
