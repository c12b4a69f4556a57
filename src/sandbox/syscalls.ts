// Syscall numbers and audit architecture tokens for the seccomp filter, per supported
// architecture. Numbers come from the kernel's uapi tables (arch/x86/entry/syscalls/syscall_64.tbl
// and include/uapi/asm-generic/unistd.h, which arm64 uses); syscalls an architecture lacks are
// simply absent from its table.

/** Architectures Ratchet can generate a filter for, named as Node's `process.arch`. */
export type SeccompArch = "x64" | "arm64";

/** Syscalls the filter names. */
export type SyscallName =
  | "socket"
  | "ptrace"
  | "process_vm_readv"
  | "process_vm_writev"
  | "keyctl"
  | "add_key"
  | "request_key"
  | "mount"
  | "umount2"
  | "pivot_root"
  | "move_mount"
  | "open_tree"
  | "open_tree_attr"
  | "fsopen"
  | "fsconfig"
  | "fsmount"
  | "fspick"
  | "mount_setattr"
  | "unshare"
  | "setns"
  | "clone"
  | "clone3"
  | "bpf"
  | "perf_event_open"
  | "userfaultfd"
  | "kexec_load"
  | "kexec_file_load"
  | "init_module"
  | "finit_module"
  | "delete_module"
  | "io_uring_setup"
  | "io_uring_enter"
  | "io_uring_register"
  | "personality"
  | "name_to_handle_at"
  | "open_by_handle_at"
  | "acct"
  | "swapon"
  | "swapoff"
  | "reboot"
  | "syslog"
  | "settimeofday"
  | "clock_settime"
  | "clock_adjtime"
  | "adjtimex"
  | "quotactl"
  | "vhangup"
  | "lookup_dcookie"
  | "iopl"
  | "ioperm"
  | "uselib"
  | "open"
  | "openat"
  | "openat2"
  | "creat"
  | "chmod"
  | "fchmod"
  | "fchmodat"
  | "fchmodat2"
  | "mknod"
  | "mknodat";

/** One architecture: its AUDIT_ARCH_* token (seccomp_data.arch) and syscall numbers. */
export interface ArchTable {
  auditArch: number;
  /** Syscall numbers at or above this belong to another ABI on the same arch (x32), if any. */
  foreignAbiBase?: number;
  syscalls: Partial<Record<SyscallName, number>>;
}

// Numbers 424 and up are shared by all architectures (the unified table).
const unified = {
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  clone3: 435,
  openat2: 437,
  mount_setattr: 442,
  fchmodat2: 452,
  open_tree_attr: 467,
} as const;

/** Per-architecture tables. */
export const ARCH_TABLES: Record<SeccompArch, ArchTable> = {
  x64: {
    auditArch: 0xc000003e, // AUDIT_ARCH_X86_64
    foreignAbiBase: 0x40000000, // __X32_SYSCALL_BIT
    syscalls: {
      ...unified,
      open: 2,
      creat: 85,
      chmod: 90,
      fchmod: 91,
      mknod: 133,
      openat: 257,
      mknodat: 259,
      fchmodat: 268,
      socket: 41,
      clone: 56,
      ptrace: 101,
      syslog: 103,
      uselib: 134,
      personality: 135,
      vhangup: 153,
      pivot_root: 155,
      adjtimex: 159,
      acct: 163,
      settimeofday: 164,
      mount: 165,
      umount2: 166,
      swapon: 167,
      swapoff: 168,
      reboot: 169,
      iopl: 172,
      ioperm: 173,
      init_module: 175,
      delete_module: 176,
      quotactl: 179,
      lookup_dcookie: 212,
      clock_settime: 227,
      kexec_load: 246,
      add_key: 248,
      request_key: 249,
      keyctl: 250,
      unshare: 272,
      perf_event_open: 298,
      name_to_handle_at: 303,
      open_by_handle_at: 304,
      clock_adjtime: 305,
      setns: 308,
      process_vm_readv: 310,
      process_vm_writev: 311,
      finit_module: 313,
      kexec_file_load: 320,
      bpf: 321,
      userfaultfd: 323,
    },
  },
  arm64: {
    auditArch: 0xc00000b7, // AUDIT_ARCH_AARCH64
    syscalls: {
      ...unified,
      lookup_dcookie: 18,
      mknodat: 33,
      fchmod: 52,
      fchmodat: 53,
      openat: 56,
      umount2: 39,
      mount: 40,
      pivot_root: 41,
      quotactl: 60,
      vhangup: 58,
      acct: 89,
      personality: 92,
      unshare: 97,
      kexec_load: 104,
      init_module: 105,
      delete_module: 106,
      clock_settime: 112,
      syslog: 116,
      ptrace: 117,
      reboot: 142,
      settimeofday: 170,
      adjtimex: 171,
      socket: 198,
      add_key: 217,
      request_key: 218,
      keyctl: 219,
      clone: 220,
      swapon: 224,
      swapoff: 225,
      perf_event_open: 241,
      name_to_handle_at: 264,
      open_by_handle_at: 265,
      clock_adjtime: 266,
      setns: 268,
      process_vm_readv: 270,
      process_vm_writev: 271,
      finit_module: 273,
      bpf: 280,
      userfaultfd: 282,
      kexec_file_load: 294,
    },
  },
};

/** Socket address families (include/linux/socket.h), for `allowSocketFamilies`. */
export const AF = { UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17 } as const;

/** Socket types whose creation is refused even in an allowed family (low 4 bits of `type`). */
export const SOCK_RAW = 3;
export const SOCK_PACKET = 10;

/** Every CLONE_NEW* flag: CLONE_NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. */
export const CLONE_NEW_MASK =
  0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;

/** personality() values that only query or select plain Linux behaviour (Docker's default set). */
export const SAFE_PERSONALITIES = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff] as const;

/** S_ISUID | S_ISGID: mode bits a sandboxed process may not set on a file. */
export const SETID_MODE_BITS = 0o6000;

/** O_CREAT | __O_TMPFILE (same on x86-64 and arm64): open flags under which `mode` is used. */
export const OPEN_CREATE_FLAGS = 0o100 | 0o20000000;

/** errno values used in SECCOMP_RET_ERRNO (same numbers on x86-64 and arm64). */
export const ERRNO = { EPERM: 1, ENOSYS: 38 } as const;

/** The architecture of this process, if the filter supports it. */
export function hostSeccompArch(): SeccompArch | undefined {
  return process.arch === "x64" || process.arch === "arm64" ? process.arch : undefined;
}
