// The bash prelude that runs first inside the sandbox, as the sandbox's initial process: it closes
// every inherited file descriptor above 2 (bubblewrap passes through whatever Node inherited
// without CLOEXEC, and Node cannot close those), applies resource limits as hard limits, starts
// the proxy bridge when the network allowlist is on, then evals the command in the same shell
// (an exec of a second bash would cost ~1.5 ms per call). This shell is the PID namespace's init
// (bwrap --as-pid-1): when it exits, the kernel kills everything left in the namespace, setsid
// daemons included.
import { COMMAND_ENV } from "./bwrap-args.js";

/** Resource limits applied inside the sandbox; `undefined` leaves a limit as inherited. */
export interface ResourceLimits {
  /** RLIMIT_CPU, seconds of CPU time per process. */
  cpuSeconds?: number;
  /** RLIMIT_AS, bytes of address space per process. */
  addressSpaceBytes?: number;
  /** RLIMIT_NPROC, processes (threads count too); for root hosts a pids cgroup (call-cgroup.ts). */
  processes?: number;
  /** RLIMIT_FSIZE, largest file a process may write, in bytes. */
  fileSizeBytes?: number;
  /** CPUs the call may run on (affinity to the first N of the host's); unset: all. */
  cpus?: number;
  /**
   * Memory of the whole call in bytes (every process, and its tmpfs files), by a memory cgroup
   * (call-cgroup.ts; needs root). Past it the kernel kills a process of the call. Not an rlimit.
   */
  memoryBytes?: number;
}

/** How the sandbox reaches the host-side allowlist proxy. */
export interface BridgeSpec {
  /** "socat" runs socat; "node" runs a few lines of JS under `nodePath`. */
  kind: "socat" | "node";
  /** TCP port on 127.0.0.1 inside the sandbox's network namespace. */
  port: number;
  /** Path of the proxy's Unix socket as seen inside the sandbox. */
  socketPath: string;
  socatPath?: string;
  nodePath?: string;
}

/** Exit status the prelude uses when it cannot set the sandbox up (as POSIX's "cannot execute"). */
export const PRELUDE_FAILURE_EXIT = 126;

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

// A minimal TCP→Unix-socket relay, for machines without socat.
const NODE_BRIDGE =
  'const net=require("net");const[s,p]=process.argv.slice(1);' +
  "net.createServer(c=>{const u=net.connect(s);c.pipe(u).pipe(c);" +
  'c.on("error",()=>u.destroy());u.on("error",()=>c.destroy())}).listen(+p,"127.0.0.1")';

/**
 * The prelude as a bash script, run as `bash -c SCRIPT bash` with the command in $__RATCHET_CMD:
 * the command never passes through the script's text, and it runs like `bash -c COMMAND` ($0 is
 * bash, no positional parameters).
 */
export function preludeScript(opts: { limits: ResourceLimits; bridge?: BridgeSpec }): string {
  const lines = [
    // The command arrives in the environment (bwrap --setenv); keep it out of the command's own.
    `__ratchet_cmd=$${COMMAND_ENV}`,
    `unset ${COMMAND_ENV}`,
    // Globbing opens (and closes) one directory fd; closing it again is a silent no-op.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a JS template
    "for f in /proc/self/fd/*; do f=${f##*/}; if ((f > 2)); then exec {f}>&-; fi; done; unset f",
  ];
  const l = opts.limits;
  const ulimits = ["-c 0"];
  if (l.cpuSeconds !== undefined) ulimits.push(`-t ${Math.max(1, Math.ceil(l.cpuSeconds))}`);
  if (l.addressSpaceBytes !== undefined) ulimits.push(`-v ${Math.ceil(l.addressSpaceBytes / 1024)}`);
  if (l.fileSizeBytes !== undefined) ulimits.push(`-f ${Math.ceil(l.fileSizeBytes / 1024)}`);
  if (l.processes !== undefined) ulimits.push(`-u ${Math.max(1, Math.floor(l.processes))}`);
  const fail = (what: string) =>
    `{ echo ${q(`ratchet sandbox: ${what}`)} >&2; exit ${PRELUDE_FAILURE_EXIT}; }`;
  lines.push(`ulimit ${ulimits.join(" ")} || ${fail("could not apply resource limits")}`);
  if (l.cpus !== undefined) {
    // Affinity is inherited by every process the command starts; taskset is util-linux.
    const last = Math.max(1, Math.ceil(l.cpus)) - 1;
    lines.push(
      `taskset -pc 0-${last} $$ >/dev/null 2>&1 || ${fail("could not restrict the CPUs (taskset)")}`,
    );
  }

  const br = opts.bridge;
  if (br) {
    const start =
      br.kind === "socat"
        ? `${q(br.socatPath ?? "socat")} TCP-LISTEN:${br.port},bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:${q(br.socketPath)}`
        : `${q(br.nodePath ?? "node")} -e ${q(NODE_BRIDGE)} ${q(br.socketPath)} ${br.port}`;
    // Wait until the bridge listens (state 0A in /proc/net/tcp) so the command's first request
    // cannot race it; at most ~15 s.
    const hexPort = br.port.toString(16).toUpperCase().padStart(4, "0");
    lines.push(
      `${start} </dev/null >/dev/null 2>&1 & ready=`,
      // Spin on builtins for the first few ms (a bridge starts in that time), then back off.
      `for ((i = 0; i < 3000; i++)); do while read -r _ a _ s _; do if [[ $a == 0100007F:${hexPort} && $s == 0A ]]; then ready=1; break; fi; done </proc/net/tcp; [[ -n $ready ]] && break; ((i > 200)) && sleep 0.005; done`,
      `[[ -n $ready ]] || ${fail("the network proxy bridge did not start")}`,
    );
  }
  lines.push("unset ready i a s", 'eval "unset __ratchet_cmd; $__ratchet_cmd"');
  // One line, so line numbers in bash's error messages count from the command's first line.
  return lines.join("; ");
}
