/**
 * The seccomp filter of every sandbox: a classic BPF program (what bubblewrap's `--seccomp FD` loads)
 * that refuses the system calls a coding agent has no use for and that widen the kernel's attack
 * surface or reach out of the sandbox, in the spirit of Docker's default profile. Pure.
 */

/** A system call refused with EPERM (or ENOSYS where a caller falls back on it), and why. */
interface Refusal {
  name: string;
  errno: 'EPERM' | 'ENOSYS';
}

/**
 * Refused outright. Grouped by what they would give: another process's memory or descriptors (ptrace,
 * process_vm_*, pidfd_getfd, process_madvise), the kernel keyring, BPF and perf (kernel attack surface), userfaultfd (exploit
 * timing), mounts and namespaces, the kernel itself (modules, kexec, reboot, clocks, swap, quotas,
 * accounting, syslog), file handles that bypass paths (open_by_handle_at: the classic container
 * escape), and io_uring (a large, often-exploited surface: ENOSYS, so libuv and others fall back).
 */
const REFUSED: readonly Refusal[] = [
  ...[
    'ptrace',
    'process_vm_readv',
    'process_vm_writev',
    'pidfd_getfd',
    'process_madvise',
    'kcmp',
    'keyctl',
    'add_key',
    'request_key',
    'bpf',
    'perf_event_open',
    'userfaultfd',
    'mount',
    'umount2',
    'pivot_root',
    'chroot',
    'open_tree',
    'move_mount',
    'fsopen',
    'fsconfig',
    'fsmount',
    'fspick',
    'mount_setattr',
    'unshare',
    'setns',
    'kexec_load',
    'kexec_file_load',
    'init_module',
    'finit_module',
    'delete_module',
    'create_module',
    'get_kernel_syms',
    'query_module',
    'acct',
    'swapon',
    'swapoff',
    'reboot',
    'sethostname',
    'setdomainname',
    'iopl',
    'ioperm',
    'settimeofday',
    'clock_settime',
    'clock_adjtime',
    'adjtimex',
    'lookup_dcookie',
    'quotactl',
    'quotactl_fd',
    'name_to_handle_at',
    'open_by_handle_at',
    'syslog',
    'vhangup',
    'nfsservctl',
    'uselib',
    'ustat',
    'sysfs',
    '_sysctl',
  ].map((name) => ({ name, errno: 'EPERM' as const })),
  // Its flags live in memory a filter cannot read: ENOSYS makes glibc fall back to clone(), whose
  // namespace flags are checked below.
  { name: 'clone3', errno: 'ENOSYS' },
  { name: 'io_uring_setup', errno: 'ENOSYS' },
  { name: 'io_uring_enter', errno: 'ENOSYS' },
  { name: 'io_uring_register', errno: 'ENOSYS' },
];

/** What the filter refuses, by name: for docs and tests. */
export const SECCOMP_REFUSED: readonly string[] = REFUSED.map((refusal) => refusal.name);

/** clone() flags that make a namespace: refused, as unshare(2) is. */
const CLONE_NAMESPACE_FLAGS =
  0x00020000 | // CLONE_NEWNS
  0x02000000 | // CLONE_NEWCGROUP
  0x04000000 | // CLONE_NEWUTS
  0x08000000 | // CLONE_NEWIPC
  0x10000000 | // CLONE_NEWUSER
  0x20000000 | // CLONE_NEWPID
  0x40000000; // CLONE_NEWNET

export type SeccompArch = 'x64' | 'arm64';

interface ArchTable {
  /** AUDIT_ARCH_* as seccomp_data.arch reports it. */
  audit: number;
  /** System call numbers; a name missing here does not exist on the architecture. */
  numbers: Readonly<Record<string, number>>;
  /** x86_64's x32 ABI numbers carry this bit: every one of them is refused. */
  x32Bit?: number;
}

// From the kernel's unistd headers (asm/unistd_64.h; asm-generic/unistd.h for arm64).
const TABLES: Record<SeccompArch, ArchTable> = {
  x64: {
    audit: 0xc000003e,
    x32Bit: 0x40000000,
    numbers: {
      clone: 56,
      socket: 41,
      personality: 135,
      pidfd_getfd: 438,
      process_madvise: 440,
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      kcmp: 312,
      keyctl: 250,
      add_key: 248,
      request_key: 249,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      chroot: 161,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      unshare: 272,
      setns: 308,
      kexec_load: 246,
      kexec_file_load: 320,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
      create_module: 174,
      get_kernel_syms: 177,
      query_module: 178,
      acct: 163,
      swapon: 167,
      swapoff: 168,
      reboot: 169,
      sethostname: 170,
      setdomainname: 171,
      iopl: 172,
      ioperm: 173,
      settimeofday: 164,
      clock_settime: 227,
      clock_adjtime: 305,
      adjtimex: 159,
      lookup_dcookie: 212,
      quotactl: 179,
      quotactl_fd: 443,
      name_to_handle_at: 303,
      open_by_handle_at: 304,
      syslog: 103,
      vhangup: 153,
      nfsservctl: 180,
      uselib: 134,
      ustat: 136,
      sysfs: 139,
      _sysctl: 156,
      clone3: 435,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
    },
  },
  arm64: {
    audit: 0xc00000b7,
    numbers: {
      clone: 220,
      socket: 198,
      personality: 92,
      pidfd_getfd: 438,
      process_madvise: 440,
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      kcmp: 272,
      keyctl: 219,
      add_key: 217,
      request_key: 218,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      chroot: 51,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      unshare: 97,
      setns: 268,
      kexec_load: 104,
      kexec_file_load: 294,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
      acct: 89,
      swapon: 224,
      swapoff: 225,
      reboot: 142,
      sethostname: 161,
      setdomainname: 162,
      settimeofday: 170,
      clock_settime: 112,
      clock_adjtime: 266,
      adjtimex: 171,
      lookup_dcookie: 18,
      quotactl: 60,
      quotactl_fd: 443,
      name_to_handle_at: 264,
      open_by_handle_at: 265,
      syslog: 116,
      vhangup: 58,
      nfsservctl: 42,
      clone3: 435,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
    },
  },
};

/** A system call's number on `arch`; undefined where it does not exist there. */
export function syscallNumber(arch: SeccompArch, name: string): number | undefined {
  return TABLES[arch].numbers[name];
}

/** AUDIT_ARCH_* of `arch`, as the kernel hands it to the filter. */
export function auditArch(arch: SeccompArch): number {
  return TABLES[arch].audit;
}

/** The architecture of this process, when drydock has a filter for it. */
export function seccompArch(arch: string = process.arch): SeccompArch | null {
  return arch === 'x64' || arch === 'arm64' ? arch : null;
}

// Classic BPF (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const ERRNO = { EPERM: 1, ENOSYS: 38 } as const;
const AF_VSOCK = 40;
/** personality() values allowed: PER_LINUX, PER_LINUX32, UNAME26 with either, and the query. */
const PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];
/** Offsets in struct seccomp_data. */
const NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;

type Label = 'allow' | 'EPERM' | 'ENOSYS';
/** A jump: to a return, or over that many instructions (0: the next one). */
type Target = Label | number;
type Instruction =
  | { code: number; k: number; jt?: undefined }
  | { code: number; k: number; jt: Target; jf: Target };

/**
 * A check of one system call's first argument: skipped unless the call is `nr`; otherwise it loads the
 * argument (the accumulator no longer holds the number, so it must end in a return) and decides.
 */
function argumentCheck(nr: number, decide: readonly Instruction[]): Instruction[] {
  return [{ code: JEQ_K, k: nr, jt: 0, jf: decide.length + 1 }, { code: LD_W_ABS, k: ARG0_LOW }, ...decide];
}

/**
 * The filter for `arch`, as bubblewrap reads it: struct sock_filter entries, little-endian. Other
 * architectures' system calls (i386 compat, x32) are refused whole: their numbers differ.
 */
export function buildSeccompFilter(arch: SeccompArch): Buffer {
  const table = TABLES[arch];
  const program: Instruction[] = [
    { code: LD_W_ABS, k: ARCH },
    { code: JEQ_K, k: table.audit, jt: 0, jf: 'EPERM' },
    { code: LD_W_ABS, k: NR },
  ];
  if (table.x32Bit !== undefined) program.push({ code: JGE_K, k: table.x32Bit, jt: 'EPERM', jf: 0 });
  for (const refusal of REFUSED) {
    const number = table.numbers[refusal.name];
    if (number !== undefined) program.push({ code: JEQ_K, k: number, jt: refusal.errno, jf: 0 });
  }
  const number = (name: string): number => {
    const nr = table.numbers[name];
    if (nr === undefined) throw new Error(`No ${name}() number for ${arch}.`);
    return nr;
  };
  // Last, since each replaces the system call number with its first argument.
  program.push(
    // clone() making a namespace.
    ...argumentCheck(number('clone'), [{ code: JSET_K, k: CLONE_NAMESPACE_FLAGS, jt: 'EPERM', jf: 'allow' }]),
    // AF_VSOCK: not confined by network namespaces, it reaches a VM host's listeners.
    ...argumentCheck(number('socket'), [{ code: JEQ_K, k: AF_VSOCK, jt: 'EPERM', jf: 'allow' }]),
    // personality(): the harmless values only, as Docker allows (not ADDR_NO_RANDOMIZE, say).
    ...argumentCheck(
      number('personality'),
      PERSONALITIES.map((value, index) => ({
        code: JEQ_K,
        k: value,
        jt: 'allow' as const,
        jf: index === PERSONALITIES.length - 1 ? ('EPERM' as const) : 0,
      })),
    ),
  );
  const labels: Record<Label, number> = {
    allow: program.length,
    EPERM: program.length + 1,
    ENOSYS: program.length + 2,
  };
  program.push(
    { code: RET_K, k: RET_ALLOW },
    { code: RET_K, k: RET_ERRNO | ERRNO.EPERM },
    { code: RET_K, k: RET_ERRNO | ERRNO.ENOSYS },
  );
  const out = Buffer.alloc(program.length * 8);
  program.forEach((instruction, index) => {
    const offset = (target: Target | undefined): number => {
      if (target === undefined) return 0;
      const jump = typeof target === 'number' ? target : labels[target] - index - 1;
      if (jump > 255) throw new Error('The seccomp filter grew past a jump of 255 instructions.');
      return jump;
    };
    out.writeUInt16LE(instruction.code, index * 8);
    out.writeUInt8(offset(instruction.jt), index * 8 + 2);
    out.writeUInt8(instruction.jt === undefined ? 0 : offset(instruction.jf), index * 8 + 3);
    out.writeUInt32LE(instruction.k >>> 0, index * 8 + 4);
  });
  return out;
}
