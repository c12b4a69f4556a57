// The seccomp filter every sandboxed command runs under, generated here as classic BPF (no
// libseccomp, no native code) and handed to bubblewrap with `--seccomp FD`. It is a denylist on
// top of the namespaces: it closes kernel attack surface and escape routes that namespaces alone
// leave open (io_uring, ptrace, keyrings, mount API, nested user namespaces, sockets of families
// the policy does not allow). Denials return EPERM so programs see an ordinary failure; clone3
// returns ENOSYS because its flags sit behind a pointer the filter cannot read, and libc then
// falls back to clone, whose flags it can. A foreign architecture (e.g. i386 via int 0x80) kills
// the process, and on x86-64 the x32 ABI is refused. Setuid/setgid bits cannot be set (chmod
// family, file creation with such a mode): files written in the workspace persist on the host,
// owned by the host user, and a setuid file made there would hand that user's identity (root,
// when Ratchet runs as root) to whoever runs it later. openat2 takes its mode behind a pointer
// and gets ENOSYS, which callers treat as an old kernel and fall back to openat.
import { BpfBuilder, type BpfInsn, encodeBpf } from "./bpf.js";
import {
  AF,
  ARCH_TABLES,
  CLONE_NEW_MASK,
  ERRNO,
  OPEN_CREATE_FLAGS,
  SAFE_PERSONALITIES,
  SETID_MODE_BITS,
  type SeccompArch,
  SOCK_PACKET,
  SOCK_RAW,
  type SyscallName,
} from "./syscalls.js";

/** seccomp return actions (linux/seccomp.h). */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  ERRNO: 0x00050000,
  ALLOW: 0x7fff0000,
} as const;

/** Byte offsets in struct seccomp_data; argument words are little-endian on both arches. */
export const SECCOMP_DATA = {
  nr: 0,
  arch: 4,
  /** Low 32 bits of argument `i`. */
  argLow: (i: number) => 16 + 8 * i,
} as const;

/** Syscalls refused outright with EPERM. */
export const DENIED_SYSCALLS: readonly SyscallName[] = [
  "io_uring_setup",
  "io_uring_enter",
  "io_uring_register",
  "ptrace",
  "process_vm_readv",
  "process_vm_writev",
  "keyctl",
  "add_key",
  "request_key",
  "mount",
  "umount2",
  "pivot_root",
  "move_mount",
  "open_tree",
  "open_tree_attr",
  "fsopen",
  "fsconfig",
  "fsmount",
  "fspick",
  "mount_setattr",
  "setns",
  "bpf",
  "perf_event_open",
  "userfaultfd",
  "kexec_load",
  "kexec_file_load",
  "init_module",
  "finit_module",
  "delete_module",
  "name_to_handle_at",
  "open_by_handle_at",
  "acct",
  "swapon",
  "swapoff",
  "reboot",
  "syslog",
  "settimeofday",
  "clock_settime",
  "clock_adjtime",
  "adjtimex",
  "quotactl",
  "vhangup",
  "lookup_dcookie",
  "iopl",
  "ioperm",
  "uselib",
];

/** What the filter allows beyond the fixed denylist. */
export interface SeccompPolicy {
  arch: SeccompArch;
  /**
   * Address families `socket()` may create (default AF_UNIX only). Raw and packet socket types
   * are refused in every family. `socketpair` is not filtered.
   */
  allowSocketFamilies?: readonly number[];
}

/** The filter as BPF instructions. */
export function seccompProgram(policy: SeccompPolicy): BpfInsn[] {
  const table = ARCH_TABLES[policy.arch];
  const nr = (name: SyscallName) => table.syscalls[name];
  const families = [...new Set(policy.allowSocketFamilies ?? [AF.UNIX])];
  const deny = SECCOMP_RET.ERRNO | ERRNO.EPERM;
  const b = new BpfBuilder();

  b.load(SECCOMP_DATA.arch).jeq(table.auditArch, 0, "kill");
  b.load(SECCOMP_DATA.nr);
  if (table.foreignAbiBase !== undefined) b.jge(table.foreignAbiBase, "deny");
  const dispatch: [SyscallName, string][] = [
    ["socket", "socket"],
    ["clone", "ns_flags"],
    ["unshare", "ns_flags"],
    ["clone3", "enosys"],
    ["openat2", "enosys"],
    ["personality", "personality"],
    ["chmod", "mode_arg1"],
    ["fchmod", "mode_arg1"],
    ["creat", "mode_arg1"],
    ["mknod", "mode_arg1"],
    ["fchmodat", "mode_arg2"],
    ["fchmodat2", "mode_arg2"],
    ["mknodat", "mode_arg2"],
    ["open", "open_flags_arg1"],
    ["openat", "open_flags_arg2"],
  ];
  for (const [name, label] of dispatch) {
    const n = nr(name);
    if (n !== undefined) b.jeq(n, label);
  }
  for (const name of DENIED_SYSCALLS) {
    const n = nr(name);
    if (n !== undefined) b.jeq(n, "deny");
  }
  b.ret(SECCOMP_RET.ALLOW);

  // socket(family, type, protocol): the family must be allowed, the type not raw/packet.
  b.label("socket").load(SECCOMP_DATA.argLow(0));
  for (const fam of families) b.jeq(fam, "socket_type");
  b.ret(deny);
  b.label("socket_type").load(SECCOMP_DATA.argLow(1)).and(0xf);
  b.jeq(SOCK_RAW, "deny").jeq(SOCK_PACKET, "deny").ret(SECCOMP_RET.ALLOW);

  // clone(flags, …) and unshare(flags): no new namespaces of any kind (CLONE_NEW* are in the low word).
  b.label("ns_flags").load(SECCOMP_DATA.argLow(0)).jset(CLONE_NEW_MASK, "deny").ret(SECCOMP_RET.ALLOW);

  // personality(persona): only queries and plain Linux personas (e.g. no ADDR_NO_RANDOMIZE).
  b.label("personality").load(SECCOMP_DATA.argLow(0));
  for (const p of SAFE_PERSONALITIES) b.jeq(p, "allow");
  b.ret(deny);

  // File modes: no setuid/setgid bits; open's mode only counts when it creates a file.
  b.label("open_flags_arg1").load(SECCOMP_DATA.argLow(1)).jset(OPEN_CREATE_FLAGS, "mode_arg2", "allow");
  b.label("open_flags_arg2").load(SECCOMP_DATA.argLow(2)).jset(OPEN_CREATE_FLAGS, "mode_arg3", "allow");
  for (const i of [1, 2, 3])
    b.label(`mode_arg${i}`).load(SECCOMP_DATA.argLow(i)).jset(SETID_MODE_BITS, "deny", "allow");

  b.label("enosys").ret(SECCOMP_RET.ERRNO | ERRNO.ENOSYS);
  b.label("deny").ret(deny);
  b.label("allow").ret(SECCOMP_RET.ALLOW);
  b.label("kill").ret(SECCOMP_RET.KILL_PROCESS);
  return b.assemble();
}

/** The filter as the raw bytes `bwrap --seccomp FD` reads. */
export function buildSeccompFilter(policy: SeccompPolicy): Buffer {
  return encodeBpf(seccompProgram(policy));
}
