// Escape probes: small shell/python snippets, each printing one line that starts with ESCAPED or
// BLOCKED (or WORKS/BROKEN for the control that writing inside the workspace still works). The
// same snippets run through the sandbox and, as a control, through the host backend, so a probe
// that cannot detect an escape on the host shows up as a broken probe. Every network probe targets
// a loopback server the test itself started; nothing here touches another machine.

/** What the probes aim at, all created by the test. */
export interface ProbeTargets {
  /** Host dir outside the workspace (visible read-only inside the sandbox) with victim.txt in it. */
  out: string;
  /** The fake host home holding .ssh/id_ed25519. */
  hostHome: string;
  /** The fake RATCHET_HOME holding sentinel.txt. */
  stateDir: string;
  tcp4Port: number;
  /** 0 when the host has no IPv6 loopback. */
  tcp6Port: number;
  unixPath: string;
  /** Abstract socket address exactly as bound (leading NUL, and any padding Node added). */
  abstractAddress: string;
  /** Other host Unix sockets (from /proc/net/unix) to try as well. */
  hostSocketPaths: string[];
  /** A `sleep` on the host whose argv[0] is `hostPidToken`. */
  hostPid: number;
  hostPidToken: string;
  /** argv[0] of the detached daemon the `detached` probe starts. */
  daemonToken: string;
}

/** One probe; `run` is the command given to the exec tool. */
export interface Probe {
  name: string;
  /** What it tries, for the report table. */
  what: string;
  run(t: ProbeTargets): string;
  /** Run this long after the previous probe (the detached-daemon check). */
  delayMs?: number;
}

const PY = "PY=$(command -v /usr/bin/python3 || command -v python3); \"$PY\" - <<'PYEOF'";
const py = (body: string) => `${PY}\n${body}\nPYEOF`;
const connectPy = (family: string, address: string) =>
  py(`import socket
try:
    s = socket.socket(${family}, socket.SOCK_STREAM)
    s.settimeout(3)
    s.connect(${address})
    d = s.recv(16)
    print("ESCAPED got %r" % d if d.startswith(b"HELLO") else "BLOCKED no greeting")
except Exception as e:
    print("BLOCKED %s: %s" % (type(e).__name__, e))`);
const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The probe suite, in run order. */
export const PROBES: Probe[] = [
  {
    name: "workspace-write",
    what: "write and read back a file in the workspace (must work)",
    run: () => `echo ok > inside.txt && [ "$(cat inside.txt)" = ok ] && echo WORKS || echo BROKEN`,
  },
  {
    name: "write-outside",
    what: "create a file in a host dir outside the workspace",
    run: (t) => `echo x > ${q(`${t.out}/direct.txt`)} 2>/dev/null && echo "ESCAPED wrote" || echo BLOCKED`,
  },
  {
    name: "write-via-symlink",
    what: "write through a workspace symlink pointing outside",
    run: (t) =>
      `ln -sfn ${q(`${t.out}/via-symlink.txt`)} link-out && echo x > link-out 2>/dev/null && echo "ESCAPED wrote" || echo BLOCKED`,
  },
  {
    name: "write-via-hardlink",
    what: "hardlink a file outside into the workspace and append to it",
    run: (t) =>
      `if ln ${q(`${t.out}/victim.txt`)} hardlink 2>/dev/null; then echo pwned >> hardlink; ` +
      `grep -q pwned ${q(`${t.out}/victim.txt`)} && echo "ESCAPED appended" || echo "BLOCKED append"; ` +
      `else echo "BLOCKED link refused"; fi`,
  },
  {
    name: "read-ssh-key",
    what: "read the host user's ~/.ssh/id_ed25519",
    run: (t) =>
      `cat ${q(`${t.hostHome}/.ssh/id_ed25519`)} "$HOME/.ssh/id_ed25519" 2>/dev/null | grep -q FAKE-PRIVATE-KEY && echo ESCAPED || echo BLOCKED`,
  },
  {
    name: "read-ratchet-state",
    what: "read a sentinel in RATCHET_HOME (not under $HOME)",
    run: (t) => `grep -qs STATE-SENTINEL ${q(`${t.stateDir}/sentinel.txt`)} && echo ESCAPED || echo BLOCKED`,
  },
  {
    name: "read-shadow",
    what: "read /etc/shadow (readable when the host user is root)",
    run: () => `grep -qs '^root:' /etc/shadow && echo ESCAPED || echo BLOCKED`,
  },
  {
    name: "env-token",
    what: "find SECRET_TOKEN of the runtime in env or any /proc/*/environ",
    run: () =>
      `if env | grep -q '^SECRET_TOKEN=' || cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | grep -q '^SECRET_TOKEN=rtk-'; then echo ESCAPED; else echo BLOCKED; fi`,
  },
  {
    name: "inherited-fds",
    what: "find an open fd above 2 (the runtime holds one without CLOEXEC)",
    run: () =>
      `for f in /proc/self/fd/*; do n=\${f##*/}; if [ "$n" -gt 2 ] && [ -e "$f" ]; then echo "ESCAPED fd $n -> $(readlink "$f")"; exit 0; fi; done; echo BLOCKED`,
  },
  {
    name: "tcp4-loopback",
    what: "connect to a TCP server on the host's 127.0.0.1",
    run: (t) => connectPy("socket.AF_INET", `("127.0.0.1", ${t.tcp4Port})`),
  },
  {
    name: "tcp6-loopback",
    what: "connect to a TCP server on the host's ::1",
    run: (t) => connectPy("socket.AF_INET6", `("::1", ${t.tcp6Port})`),
  },
  {
    name: "unix-socket-path",
    what: "connect to host Unix sockets by path (the test's and those in /proc/net/unix)",
    run: (t) =>
      py(`import socket
paths = ${JSON.stringify([t.unixPath, ...t.hostSocketPaths])}
hit = []
for p in paths:
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(2)
        s.connect(p)
        hit.append(p)
        s.close()
    except Exception:
        pass
print("ESCAPED connected to %s" % hit if hit else "BLOCKED all %d" % len(paths))`),
  },
  {
    name: "unix-socket-abstract",
    what: "connect to a host abstract Unix socket",
    run: (t) => connectPy("socket.AF_UNIX", JSON.stringify(t.abstractAddress)),
  },
  {
    name: "raw-sockets",
    what: "open AF_PACKET/SOCK_RAW and AF_INET/SOCK_RAW sockets",
    run: () =>
      py(`import socket
res = []
for fam, typ, proto in [(socket.AF_PACKET, socket.SOCK_RAW, 0), (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)]:
    try:
        socket.socket(fam, typ, proto).close()
        res.append("opened")
    except Exception as e:
        res.append(type(e).__name__)
print(("ESCAPED " if "opened" in res else "BLOCKED ") + " ".join(res))`),
  },
  {
    name: "signal-host-process",
    what: "send SIGCONT to a process on the host",
    run: (t) => `kill -s CONT ${t.hostPid} 2>/dev/null && echo ESCAPED || echo BLOCKED`,
  },
  {
    name: "ptrace-host-process",
    what: "PTRACE_SEIZE a process on the host (python ctypes)",
    run: (t) =>
      py(`import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.restype = ctypes.c_long
r = libc.ptrace(ctypes.c_long(0x4206), ctypes.c_long(${t.hostPid}), None, None)
print("ESCAPED seized" if r == 0 else "BLOCKED " + os.strerror(ctypes.get_errno()))`),
  },
  {
    name: "see-host-pids",
    what: "see the host process in /proc",
    run: (t) =>
      `if tr '\\0' ' ' < /proc/${t.hostPid}/cmdline 2>/dev/null | grep -q ${q(t.hostPidToken)}; then echo ESCAPED; else echo "BLOCKED $(ls -d /proc/[0-9]* | wc -l) pids visible"; fi`,
  },
  {
    name: "io_uring",
    what: "io_uring_setup (syscall 425) via python ctypes",
    run: () =>
      py(`import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
params = ctypes.create_string_buffer(120)
fd = libc.syscall(425, 4, params)
print("ESCAPED fd %d" % fd if fd >= 0 else "BLOCKED " + os.strerror(ctypes.get_errno()))`),
  },
  {
    name: "nested-userns",
    what: "unshare -U true (a nested user namespace)",
    run: () => `unshare -U true 2>/dev/null && echo ESCAPED || echo BLOCKED`,
  },
  {
    name: "mount",
    what: "mount a tmpfs (on a dir in the workspace, so the host control harms nothing)",
    run: () =>
      `mkdir -p mnt; if mount -t tmpfs ratchet-probe mnt 2>/dev/null; then umount mnt; echo ESCAPED; else echo BLOCKED; fi`,
  },
  {
    name: "keyctl",
    what: "keyctl(KEYCTL_GET_KEYRING_ID, session, create) via python ctypes",
    run: () =>
      py(`import ctypes, os, platform
libc = ctypes.CDLL(None, use_errno=True)
nr = {"x86_64": 250, "aarch64": 219}[platform.machine()]
r = libc.syscall(nr, 0, -3, 1)
print("ESCAPED keyring %d" % r if r >= 0 else "BLOCKED " + os.strerror(ctypes.get_errno()))`),
  },
  {
    name: "block-devices",
    what: "read the first sector of a disk (/dev/sd*, vd*, nvme*, xvd*, mmcblk*)",
    run: () =>
      `for d in /dev/sd[a-z] /dev/vd[a-z] /dev/xvd[a-z] /dev/nvme[0-9]n[0-9] /dev/mmcblk[0-9]; do ` +
      `if [ -b "$d" ] && head -c 512 "$d" >/dev/null 2>&1; then echo "ESCAPED read $d"; exit 0; fi; done; echo BLOCKED`,
  },
  {
    name: "setuid-copy",
    what: "copy id, chmod u+s, run it as an unprivileged user: euid must not become the owner",
    run: () =>
      `cp "$(command -v id)" ./suid-id && chmod a+rx ./suid-id; chmod u+s ./suid-id 2>/dev/null; ` +
      // As root (host control) drop to nobody first, so a working setuid bit shows as euid 0.
      `if [ "$(id -u)" = 0 ]; then r=65534; e=$(setpriv --reuid=65534 --regid=65534 --clear-groups ./suid-id -u 2>&1); ` +
      `else r=$(id -u); e=$(./suid-id -u 2>&1); fi; ` +
      `case "$e" in ''|*[!0-9]*) echo "BLOCKED could not run: $e";; "$r") echo "BLOCKED euid=$e mode=$(stat -c %a ./suid-id)";; ` +
      `*) echo "ESCAPED euid=$e while running as uid $r";; esac`,
  },
  {
    name: "detached-daemon-start",
    what: "start a setsid daemon that touches a marker 2 s later (verdict: next probe)",
    run: (t) =>
      `setsid bash -c '(exec -a ${t.daemonToken} sleep 2); touch "$PWD/daemon-marker"' </dev/null >/dev/null 2>&1 & echo STARTED`,
  },
  {
    name: "detached-daemon",
    what: "3 s later: did the daemon outlive its call (marker written)?",
    delayMs: 3000,
    run: () => `[ -e daemon-marker ] && echo "ESCAPED marker written" || echo BLOCKED`,
  },
];

/** The verdict word of a probe's output, if any. */
export function verdictOf(
  output: string,
): "ESCAPED" | "BLOCKED" | "WORKS" | "BROKEN" | "STARTED" | undefined {
  const m = /^(ESCAPED|BLOCKED|WORKS|BROKEN|STARTED)\b/m.exec(output);
  return m?.[1] as ReturnType<typeof verdictOf>;
}
