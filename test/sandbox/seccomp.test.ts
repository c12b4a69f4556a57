// The generated seccomp filter, run over synthetic seccomp_data by an independent BPF
// interpreter, for both architectures. End-to-end behaviour is covered by the escape probes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeBpf, encodeBpf } from "../../src/sandbox/bpf.js";
import {
  buildSeccompFilter,
  DENIED_SYSCALLS,
  SECCOMP_RET,
  seccompProgram,
} from "../../src/sandbox/seccomp.js";
import { AF, ARCH_TABLES, type SeccompArch } from "../../src/sandbox/syscalls.js";
import { runBpf, seccompData } from "./bpf-interpreter.js";

const EPERM = SECCOMP_RET.ERRNO | 1;
const ENOSYS = SECCOMP_RET.ERRNO | 38;
const ALLOW = SECCOMP_RET.ALLOW;
const KILL = SECCOMP_RET.KILL_PROCESS;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNS = 0x00020000;
const CLONE_NEWNET = 0x40000000;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const SOCK_NONBLOCK = 0x800;
const SOCK_CLOEXEC = 0x80000;
// Syscalls every program makes, which must pass untouched.
const COMMON: Record<SeccompArch, Record<string, number>> = {
  x64: { read: 0, write: 1, openat: 257, execve: 59, socketpair: 53, wait4: 61, mmap: 9, connect: 42 },
  arm64: {
    read: 63,
    write: 64,
    openat: 56,
    execve: 221,
    socketpair: 199,
    wait4: 260,
    mmap: 222,
    connect: 203,
  },
};

for (const arch of ["x64", "arm64"] as SeccompArch[]) {
  const table = ARCH_TABLES[arch];
  const nr = (name: keyof typeof table.syscalls) => table.syscalls[name]!;
  const filter = buildSeccompFilter({ arch });
  const run = (n: number, args: (number | bigint)[] = [], prog = filter) =>
    runBpf(prog, seccompData(n, table.auditArch, args));

  describe(`seccomp filter (${arch})`, () => {
    it("kills a process calling with a foreign architecture token", () => {
      for (const foreign of [0x40000003 /* i386 */, 0xc000003e, 0xc00000b7].filter(
        (a) => a !== table.auditArch,
      )) {
        assert.equal(runBpf(filter, seccompData(COMMON[arch].read, foreign)), KILL);
      }
    });

    it("lets ordinary syscalls through", () => {
      for (const [name, n] of Object.entries(COMMON[arch])) assert.equal(run(n), ALLOW, name);
    });

    it("denies every listed syscall with EPERM", () => {
      let checked = 0;
      for (const name of DENIED_SYSCALLS) {
        const n = table.syscalls[name];
        if (n === undefined) continue;
        assert.equal(run(n, [0, 0, 0]), EPERM, name);
        checked++;
      }
      assert.ok(checked >= 40, `only ${checked} denied syscalls exist on ${arch}`);
      for (const name of ["io_uring_setup", "ptrace", "keyctl", "mount", "bpf", "setns"] as const)
        assert.equal(run(nr(name)), EPERM, name);
    });

    it("allows only AF_UNIX sockets by default, whatever the high bits of the argument", () => {
      assert.equal(run(nr("socket"), [AF.UNIX, SOCK_STREAM]), ALLOW);
      assert.equal(run(nr("socket"), [AF.UNIX, SOCK_DGRAM | SOCK_CLOEXEC]), ALLOW);
      for (const fam of [AF.INET, AF.INET6, AF.NETLINK, AF.PACKET, 0, 40 /* vsock */, 38 /* alg */])
        assert.equal(run(nr("socket"), [fam, SOCK_STREAM]), EPERM, `family ${fam}`);
      // The kernel reads `int family`: only the low word counts, so that is what the filter checks.
      assert.equal(run(nr("socket"), [0x1_0000_0000n | BigInt(AF.INET), SOCK_STREAM]), EPERM);
      assert.equal(run(nr("socket"), [0x1_0000_0000n | BigInt(AF.UNIX), SOCK_STREAM]), ALLOW);
    });

    it("with inet allowed (proxy mode) still refuses raw and packet sockets", () => {
      const proxyMode = buildSeccompFilter({ arch, allowSocketFamilies: [AF.UNIX, AF.INET, AF.INET6] });
      const sock = (fam: number, type: number) => run(nr("socket"), [fam, type], proxyMode);
      assert.equal(sock(AF.INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC), ALLOW);
      assert.equal(sock(AF.INET6, SOCK_DGRAM), ALLOW);
      assert.equal(sock(AF.INET, SOCK_RAW), EPERM);
      assert.equal(sock(AF.INET6, SOCK_RAW | SOCK_CLOEXEC), EPERM);
      assert.equal(sock(AF.INET, 10 /* SOCK_PACKET */), EPERM);
      assert.equal(sock(AF.PACKET, SOCK_DGRAM), EPERM);
      assert.equal(sock(AF.NETLINK, SOCK_DGRAM), EPERM);
    });

    it("refuses new namespaces through clone and unshare, and sends clone3 back to clone", () => {
      const SIGCHLD = 17;
      const THREAD = 0x3d0f00; // CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID
      assert.equal(run(nr("clone"), [SIGCHLD]), ALLOW);
      assert.equal(run(nr("clone"), [THREAD]), ALLOW);
      assert.equal(run(nr("clone"), [CLONE_NEWUSER | SIGCHLD]), EPERM);
      assert.equal(run(nr("clone"), [CLONE_NEWNET | SIGCHLD]), EPERM);
      assert.equal(run(nr("unshare"), [CLONE_NEWUSER]), EPERM);
      assert.equal(run(nr("unshare"), [CLONE_NEWNS]), EPERM);
      assert.equal(run(nr("unshare"), [0x400 /* CLONE_FILES */]), ALLOW);
      assert.equal(run(nr("clone3"), [0, 88]), ENOSYS);
    });

    it("allows personality queries and plain Linux personas only", () => {
      assert.equal(run(nr("personality"), [0xffffffff]), ALLOW);
      assert.equal(run(nr("personality"), [0]), ALLOW);
      assert.equal(run(nr("personality"), [0x0040000 /* ADDR_NO_RANDOMIZE */]), EPERM);
      assert.equal(run(nr("personality"), [0x8000 /* READ_IMPLIES_EXEC */]), EPERM);
    });

    it("refuses setuid/setgid mode bits on chmod and on file creation", () => {
      const O_CREAT = 0o100;
      const O_TMPFILE = 0o20000000 | 0o200000;
      assert.equal(run(nr("openat"), [-100, 0, O_CREAT | 1, 0o4755]), EPERM);
      assert.equal(run(nr("openat"), [-100, 0, O_TMPFILE | 2, 0o2755]), EPERM);
      assert.equal(run(nr("openat"), [-100, 0, O_CREAT | 1, 0o644]), ALLOW);
      assert.equal(run(nr("openat"), [-100, 0, 0, 0o4755]), ALLOW, "mode is ignored without O_CREAT");
      assert.equal(run(nr("fchmod"), [3, 0o4755]), EPERM);
      assert.equal(run(nr("fchmod"), [3, 0o2755]), EPERM);
      assert.equal(run(nr("fchmod"), [3, 0o1777]), ALLOW, "sticky bit is fine");
      assert.equal(run(nr("fchmodat"), [-100, 0, 0o4755]), EPERM);
      assert.equal(run(nr("fchmodat"), [-100, 0, 0o755]), ALLOW);
      assert.equal(run(nr("fchmodat2"), [-100, 0, 0o6755, 0]), EPERM);
      assert.equal(run(nr("mknodat"), [-100, 0, 0o100000 | 0o4755, 0]), EPERM);
      assert.equal(run(nr("openat2"), [-100, 0, 0, 24]), ENOSYS);
      if (arch === "x64") {
        assert.equal(run(nr("chmod"), [0, 0o4755]), EPERM);
        assert.equal(run(nr("creat"), [0, 0o4755]), EPERM);
        assert.equal(run(nr("open"), [0, O_CREAT, 0o4755]), EPERM);
        assert.equal(run(nr("open"), [0, 0, 0o4755]), ALLOW);
      }
    });

    if (table.foreignAbiBase !== undefined) {
      it("denies the x32 ABI", () => {
        assert.equal(run(table.foreignAbiBase! + COMMON[arch].read), EPERM);
        assert.equal(run(table.foreignAbiBase! + nr("socket"), [AF.INET, SOCK_STREAM]), EPERM);
      });
    }

    it("encodes to whole sock_filter records that decode back", () => {
      const insns = seccompProgram({ arch });
      assert.equal(filter.length, insns.length * 8);
      assert.deepEqual(decodeBpf(filter), insns);
      assert.deepEqual(encodeBpf(decodeBpf(filter)), filter);
      assert.ok(insns.length < 200, `program has ${insns.length} instructions`);
    });
  });
}

describe("seccomp tables", () => {
  it("name the same syscalls with distinct numbers per architecture", () => {
    for (const arch of ["x64", "arm64"] as SeccompArch[]) {
      const nums = Object.values(ARCH_TABLES[arch].syscalls);
      assert.equal(new Set(nums).size, nums.length, `${arch} has duplicate numbers`);
    }
    // Spot checks against the kernel's tables.
    assert.equal(ARCH_TABLES.x64.syscalls.io_uring_setup, 425);
    assert.equal(ARCH_TABLES.arm64.syscalls.io_uring_setup, 425);
    assert.equal(ARCH_TABLES.x64.syscalls.ptrace, 101);
    assert.equal(ARCH_TABLES.arm64.syscalls.ptrace, 117);
    assert.equal(ARCH_TABLES.x64.syscalls.socket, 41);
    assert.equal(ARCH_TABLES.arm64.syscalls.socket, 198);
  });
});
