import { describe, expect, it } from 'vitest';
import { diskLimit, parseByteSize } from './disk-flag.ts';

const GiB = 1024 ** 3;

describe('parseByteSize', () => {
  it.each([
    ['10G', 10 * GiB],
    ['512M', 512 * 1024 ** 2],
    ['1.5GiB', 1.5 * GiB],
    ['2t', 2 * 1024 ** 4],
    ['4096', 4096],
    [' 20 GB ', 20 * GiB],
  ])('reads %j', (value, bytes) => {
    expect(parseByteSize(value)).toBe(bytes);
  });

  it.each(['', 'ten', '10X', '-1G', '1e9'])('refuses %j', (value) => {
    expect(parseByteSize(value)).toBeNull();
  });
});

describe('diskLimit', () => {
  it('defaults to 10 GiB for layered workspaces and to no quota for clones', () => {
    expect(diskLimit(undefined, {}, true)).toBe(10 * GiB);
    expect(diskLimit(undefined, {}, false)).toBeUndefined();
  });

  it('takes the flag over DRYDOCK_DISK, for both kinds of workspace', () => {
    expect(diskLimit('2G', { DRYDOCK_DISK: '5G' }, false)).toBe(2 * GiB);
    expect(diskLimit(undefined, { DRYDOCK_DISK: '5G' }, true)).toBe(5 * GiB);
  });

  it('turns the quota off with none', () => {
    expect(diskLimit('none', {}, true)).toBeUndefined();
    expect(diskLimit(undefined, { DRYDOCK_DISK: 'off' }, true)).toBeUndefined();
  });

  it('refuses what is not a size, and sizes too small for a file system', () => {
    expect(() => diskLimit('lots', {}, true)).toThrow(
      expect.objectContaining({
        code: 'invalid_disk_limit',
        message: expect.stringContaining('--disk "lots"'),
      }),
    );
    expect(() => diskLimit('1M', {}, true)).toThrow(
      expect.objectContaining({ code: 'invalid_sandbox_limit' }),
    );
  });
});
