import { describe, expect, it } from 'vitest';
import {
  auditArch,
  buildSeccompFilter,
  SECCOMP_REFUSED,
  type SeccompArch,
  seccompArch,
  syscallNumber,
} from './seccomp-filter.ts';

/**
 * Runs a classic BPF program the way the kernel runs a seccomp filter, for the instructions the
 * filter uses (load word, jeq, jge, jset, return). Returns the action word.
 */
function runFilter(program: Buffer, data: { nr: number; arch: number; args?: number[] }): number {
  const word = (offset: number): number => {
    if (offset === 0) return data.nr >>> 0;
    if (offset === 4) return data.arch >>> 0;
    const arg = (offset - 16) / 8;
    return (data.args?.[arg] ?? 0) >>> 0;
  };
  let accumulator = 0;
  for (let pc = 0; pc < program.length / 8; ) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) {
      accumulator = word(k);
      pc++;
    } else if (code === 0x06) {
      return k;
    } else {
      const taken =
        code === 0x15 ? accumulator === k : code === 0x35 ? accumulator >= k : (accumulator & k) !== 0;
      if (![0x15, 0x35, 0x45].includes(code)) throw new Error(`unexpected opcode ${code}`);
      pc += 1 + (taken ? jt : jf);
    }
  }
  throw new Error('the program ran off its end');
}

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;

describe.each(['x64', 'arm64'] as SeccompArch[])('the seccomp filter on %s', (arch) => {
  const program = buildSeccompFilter(arch);
  const call = (name: string, args?: number[]) =>
    runFilter(program, { nr: syscallNumber(arch, name)!, arch: auditArch(arch), ...(args ? { args } : {}) });

  it('refuses every listed system call that exists here, with EPERM or ENOSYS', () => {
    const enosys = new Set(['clone3', 'io_uring_setup', 'io_uring_enter', 'io_uring_register']);
    for (const name of SECCOMP_REFUSED) {
      if (syscallNumber(arch, name) === undefined) continue;
      expect(call(name), name).toBe(enosys.has(name) ? ENOSYS : EPERM);
    }
  });

  it('allows what a coding agent does: read, write, open, execve, threads and plain forks', () => {
    const numbers: Record<SeccompArch, Record<string, number>> = {
      x64: { read: 0, write: 1, openat: 257, execve: 59, getpid: 39 },
      arm64: { read: 63, write: 64, openat: 56, execve: 221, getpid: 172 },
    };
    for (const [name, nr] of Object.entries(numbers[arch])) {
      expect(runFilter(program, { nr, arch: auditArch(arch) }), name).toBe(ALLOW);
    }
    // pthread_create's flags, and fork's (SIGCHLD only).
    expect(call('clone', [0x3d0f00])).toBe(ALLOW);
    expect(call('clone', [17])).toBe(ALLOW);
  });

  it('refuses AF_VSOCK sockets, and lets every other family through', () => {
    expect(call('socket', [40, 1])).toBe(EPERM);
    for (const family of [1, 2, 10, 16]) expect(call('socket', [family, 1]), String(family)).toBe(ALLOW);
  });

  it('lets personality() take only its harmless values', () => {
    for (const value of [0, 8, 0x20000, 0x20008, 0xffffffff])
      expect(call('personality', [value])).toBe(ALLOW);
    // ADDR_NO_RANDOMIZE (setarch -R), READ_IMPLIES_EXEC.
    for (const value of [0x40000, 0x400000]) expect(call('personality', [value])).toBe(EPERM);
  });

  it('refuses clone() making any namespace', () => {
    for (const flag of [0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000]) {
      expect(call('clone', [flag | 17]), flag.toString(16)).toBe(EPERM);
    }
  });

  it("refuses every system call of another architecture's numbering", () => {
    expect(runFilter(program, { nr: 0, arch: 0x40000003 })).toBe(EPERM);
    if (arch === 'x64') expect(runFilter(program, { nr: 0x40000000, arch: auditArch(arch) })).toBe(EPERM);
  });
});

describe('seccompArch', () => {
  it('has a filter for x64 and arm64 only', () => {
    expect(seccompArch('x64')).toBe('x64');
    expect(seccompArch('arm64')).toBe('arm64');
    expect(seccompArch('riscv64')).toBeNull();
  });
});
