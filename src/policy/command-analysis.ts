// What an exec command line does, as far as its text shows: its consequential effects (network,
// third-party messages, writes to agent/host config, skill installs, writes outside the workspace)
// and the destination-like values that must be proven trusted once the context is tainted.
// It reads through pipelines, `bash -c`, `eval`, $(…), find -exec, xargs, wrappers such as
// sudo/env/timeout, and scripts the agent itself wrote this session. Code it cannot read (a script
// it did not write, `… | base64 -d | sh`) is either presumed harmless (a workspace file run as is)
// or marked opaque; the sandbox is the boundary, this is the policy's view of intent.
import * as path from "node:path";
import type { Effect } from "../loop/tool.js";
import { normalizeRelPath, pathEffects, skillNameOf } from "../tools/sensitive-paths.js";
import { homeAlts, locate, nextCwd, SCRATCH, WRITE_OPS, writeTargets } from "./file-commands.js";
import { git } from "./git-command.js";
import { type Collector, networkCommand, splitArgs } from "./network-commands.js";
import { type ProofToken, textTokens, uniqueTokens } from "./proof.js";
import { parseShell, type SimpleCommand } from "./shell-parse.js";

/** Effects of a command and the values to prove when the context is tainted. */
export interface CommandAnalysis {
  effects: Effect[];
  tokens: ProofToken[];
  /** Whether its output comes from the network (so it is "web" content). */
  network: boolean;
  /**
   * It runs code the analysis cannot see (`… | base64 -d | sh`, `eval "$X"`): assumed to use the
   * network, and no argument can prove it trusted.
   */
  opaque: boolean;
}

/** Options: the workspace root, and files the agent wrote this session (path → text) to read scripts from. */
export interface AnalyzeOptions {
  root?: string;
  scripts?: ReadonlyMap<string, string>;
}

/** Program name → short options that take a value, for programs that wrap another command. */
const WRAPPERS: Record<string, string> = {
  sudo: "ugprhCDT",
  doas: "uC",
  env: "uCS",
  nohup: "",
  time: "fo",
  nice: "n",
  ionice: "cnp",
  timeout: "sk",
  stdbuf: "ioe",
  setsid: "",
  command: "",
  builtin: "",
  exec: "a",
  watch: "nd",
  strace: "eoposu",
  ltrace: "eo",
  unbuffer: "",
  torsocks: "",
  proxychains: "f",
  proxychains4: "f",
  chroot: "",
  flock: "w",
};
const SHELLS = new Set(["bash", "sh", "zsh", "dash", "ksh", "ash", "mksh", "fish", "busybox"]);
/** Interpreter → options whose value is inline code. */
const INLINE_CODE: Record<string, string[]> = {
  python: ["-c"],
  node: ["-e", "--eval", "-p", "--print"],
  bun: ["-e", "--eval"],
  deno: ["eval"],
  ruby: ["-e"],
  perl: ["-e", "-E"],
  php: ["-r"],
  rscript: ["-e"],
  pwsh: ["-c", "-command"],
  osascript: ["-e"],
};
const NET_API =
  /\b(curl|wget|ncat|netcat|ssh|scp|rsync|telnet|sendmail|socket|urllib|requests\.|http\.client|httpx|aiohttp|urlopen|smtplib|ftplib|telnetlib|paramiko|fetch\s*\(|https?\.(get|request)|net\.(connect|createConnection)|tls\.connect|dgram|XMLHttpRequest|WebSocket|LWP|Net::HTTP|HTTP::Tiny|IO::Socket|open-uri|Net::SMTP|fsockopen|curl_init|Invoke-WebRequest|Invoke-RestMethod)\b|https?:\/\//i;
/** Inline code that builds and runs more code: nothing about it can be read from the text. */
const DYNAMIC_CODE =
  /\b(exec|eval|compile|b64decode|a85decode|fromCharCode|atob|__import__|Function)\s*\(|\bunpack\s*\(/;
const AWK = new Set(["awk", "gawk", "mawk", "nawk"]);
/** Programs that only work on local data; any other program is presumed able to use the network. */
const KNOWN_LOCAL = new Set(
  (
    "echo printf cat grep egrep fgrep rg ag sed head tail sort uniq wc tr cut paste ls find mkdir touch cp mv rm " +
    "rmdir ln chmod chown chgrp test [ true false which type whereis man whatis apropos less more diff cmp file " +
    "stat du df pwd basename dirname realpath readlink date sleep seq yes tee xxd od hexdump base64 sha256sum " +
    "sha1sum md5sum jq yq column nl fold fmt expand rev tac comm join split zip unzip tar gzip gunzip bzip2 xz zcat " +
    "make cd pushd popd export set unset alias read local declare return exit shift cargo go tsc eslint prettier " +
    "biome pytest jest vitest mocha patch truncate dd install rsync ruff black mypy"
  ).split(" "),
);
/** Words that name network programs, for spotting them as arguments of unknown launchers. */
const NETWORK_WORDS = new Set(
  "curl wget nc ncat netcat socat ssh scp sftp telnet ftp mail sendmail".split(" "),
);
const MAX_DEPTH = 8;

/**
 * Analyses `command`. `root` (absolute workspace root) lets absolute paths inside it count as
 * inside; `scripts` lets a script the agent wrote be read when the command runs it (`bash x.sh`).
 */
export function analyzeCommand(command: string, opts: AnalyzeOptions = {}): CommandAnalysis {
  const effects = new Set<Effect>();
  let opaque = false;
  const tokens: ProofToken[] = [];
  let cwd: string | undefined = ""; // relative to root; absolute when outside; undefined when unknown
  let networkUses = 0; // counts network findings, to tell whether one simple command is a network one

  const pathToken = (p: string, alts: string[] = []): ProofToken => ({
    kind: "path",
    value: p,
    alts: alts.filter((a) => a !== "" && !/[*?[`]|\$\(/.test(a)), // a glob or command proves nothing
  });
  // Classifies a written path: config/skill paths inside, anything outside the workspace.
  const target = (raw: string): void => {
    const where = locate(raw, cwd, opts.root);
    if (where === "ignore") return;
    if (where === "outside") {
      effects.add("write_outside_workspace");
      tokens.push(pathToken(raw, homeAlts(raw)));
      return;
    }
    const found = pathEffects(where.rel);
    for (const e of found) effects.add(e);
    if (found.length > 0) tokens.push(pathToken(where.rel, [skillNameOf(where.rel) ?? ""]));
  };
  const collector: Collector = {
    effect: (e) => {
      effects.add(e);
      if (e === "network") networkUses++;
    },
    token: (t) => tokens.push(t),
    target: (p) => target(p),
    upload: (p) =>
      tokens.push(pathToken(p.startsWith("/") || p.startsWith("~") ? p : normalizeRelPath(p), homeAlts(p))),
  };

  const walk = (src: string, depth: number): void => {
    if (depth > MAX_DEPTH) {
      collector.effect("network"); // too deeply nested to follow: assume the worst
      return;
    }
    const parsed = parseShell(src);
    for (const n of parsed.nested) walk(n, depth + 1);
    for (const cmd of parsed.commands) simple(cmd, depth);
  };

  const simple = (cmd: SimpleCommand, depth: number): void => {
    const words = stripWrappers(cmd.words);
    const name = programName(words[0] ?? "");
    const args = words.slice(1);
    for (const r of cmd.redirects) if (WRITE_OPS.has(r.op)) target(r.target);
    if (name === "cd" || name === "pushd") {
      cwd = nextCwd(
        cwd,
        args.find((a) => !a.startsWith("-")),
      );
      return;
    }
    const shell = SHELLS.has(name) || name === "source" || name === ".";
    const interpreter = INLINE_CODE[name];
    const inline = shell ? shellScript(args) : undefined;
    if (inline !== undefined) walk(inline, depth + 1);
    if (shell) for (const h of cmd.heredocs) walk(h, depth + 1);
    if (name === "eval") walk(args.join(" "), depth + 1);
    const code = interpreter ? [...inlineCode(args, interpreter), ...cmd.heredocs] : [];
    if (code.some((c) => NET_API.test(c))) collector.effect("network");
    // The script a command runs: `bash x.sh`, `python x.py`, `source x`, `./x.sh`.
    const file =
      shell || interpreter ? firstPositional(args) : words[0]?.includes("/") ? words[0] : undefined;
    if ((shell || interpreter) && inline === undefined && code.length === 0 && cmd.heredocs.length === 0) {
      const module = interpreter !== undefined && args.includes("-m"); // python -m json.tool reads data
      if ((file === undefined || file === "-") && !module && (cmd.piped || name === "source" || name === "."))
        seeNothing(); // the code arrives on stdin
    }
    if (name === "eval" && args.some((a) => a.includes("$"))) seeNothing();
    if (shell && inline !== undefined && /^\s*["']?\$/.test(inline)) seeNothing(); // sh -c "$CMD"
    const where = file === undefined ? "ignore" : locate(file, cwd, opts.root);
    const text = typeof where === "object" ? opts.scripts?.get(where.rel) : undefined;
    if (text !== undefined && depth < MAX_DEPTH) {
      const found = analyzeCommand(text, { ...opts, scripts: new Map() });
      if (NET_API.test(text)) collector.effect("network");
      for (const e of found.effects) collector.effect(e);
      tokens.push(...found.tokens, ...textTokens(text));
      if (found.opaque) seeNothing();
    }
    if (name === "python" && args[0] === "-m" && args[1]) {
      simple({ words: args.slice(1), redirects: [], heredocs: [] }, depth + 1); // python -m pip install …
    }
    const sub = subCommand(name, args);
    const beforeSub = networkUses;
    if (sub) simple({ words: sub, redirects: [], heredocs: [] }, depth + 1);
    if (name === "xargs" && networkUses > beforeSub) seeNothing(); // destinations arrive on stdin
    if (/^[$`]|\$\(/.test(words[0] ?? "")) seeNothing(); // the program itself is only known at run time
    if (AWK.has(name)) {
      const program = splitArgs(args, "fvF").positionals[0] ?? "";
      if (/system\s*\(|\|\s*getline|\/inet\/|print\s*\|/.test(program)) seeNothing();
    }
    if (code.some((c) => DYNAMIC_CODE.test(c))) seeNothing();
    const before = networkUses;
    if (name === "git") git(args, collector, target);
    else if (!networkCommand(name, words, collector) && !KNOWN_LOCAL.has(name) && name !== "") {
      // A program we do not know: a URL among its arguments is presumed contacted (provable by the
      // owner naming it), and a network program among its arguments is presumed run (not provable).
      if (args.some((a) => /\b(?!file:)[a-z][a-z0-9+.-]*:\/\/\S/i.test(a))) collector.effect("network");
      if (!sub && args.some((a) => NETWORK_WORDS.has(programName(a)))) seeNothing();
    }
    if (networkUses > before) {
      // Files outside the workspace named on a network command line may be what it sends.
      for (const a of args)
        if (/^(~|\/|\$HOME\b|\$\{HOME\}|\.\.\/)/.test(a) && !SCRATCH.test(a)) collector.upload(a);
      for (const r of cmd.redirects) if (r.op === "<") collector.upload(r.target);
    }
    writeTargets(name, args, target);
  };

  function seeNothing(): void {
    opaque = true;
    collector.effect("network");
  }

  walk(command, 0);
  if (/\/dev\/(tcp|udp)\//.test(command)) {
    collector.effect("network");
    for (const m of command.matchAll(/\/dev\/(?:tcp|udp)\/([^/\s'"]+)/g))
      tokens.push({ kind: "host", value: m[1] });
  }
  if (effects.size > 0) tokens.push(...textTokens(command));
  return { effects: [...effects], tokens: uniqueTokens(tokens), network: effects.has("network"), opaque };
}

/** A program's name as matched against the tables: basename, python3.11 → python. */
function programName(word: string): string {
  const base = path.posix.basename(word).toLowerCase();
  if (/^python[\d.]*$/.test(base)) return "python";
  if (base === "nodejs") return "node";
  return base;
}

// Drops assignments (FOO=1 cmd) and wrappers (sudo, env, timeout 5 …) in front of the real program.
function stripWrappers(words: string[]): string[] {
  let w = words;
  for (let guard = 0; guard < 10; guard++) {
    let i = 0;
    while (i < w.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[i])) i++;
    w = w.slice(i);
    const name = programName(w[0] ?? "");
    if (!(name in WRAPPERS)) break;
    i = 1;
    while (i < w.length && w[i].startsWith("-")) {
      if (w[i] === "--") {
        i++;
        break;
      }
      i += w[i].length === 2 && WRAPPERS[name].includes(w[i][1]) ? 2 : 1;
    }
    if (name === "env") while (i < w.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w[i])) i++;
    if (name === "timeout" || name === "chroot" || name === "flock") i++;
    w = w.slice(i);
  }
  return w;
}

function firstPositional(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-m") return undefined; // python -m module
    if (!args[i].startsWith("-") || args[i] === "-") return args[i];
  }
  return undefined;
}

// The script of `bash -c 'script'` (also -lc, -ec …).
function shellScript(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("-")) return undefined;
    if (!a.startsWith("--") && a.slice(1).includes("c")) return args[i + 1];
  }
  return undefined;
}

// Inline code after -c/-e and friends, also in clusters such as perl's -ne or -lpe.
function inlineCode(args: string[], flags: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const lower = args[i].toLowerCase();
    const cluster = /^-[a-z]+$/.test(lower) && flags.some((f) => f.length === 2 && lower.endsWith(f[1]));
    if ((flags.includes(lower) || cluster) && args[i + 1] !== undefined) out.push(args[++i]);
    else if (flags.some((f) => f.length === 2 && lower.startsWith(f) && lower.length > 2))
      out.push(args[i].slice(2));
  }
  return out;
}

// The command run by find -exec/-execdir/-ok or xargs, as words.
function subCommand(name: string, args: string[]): string[] | undefined {
  if (name === "find") {
    const at = args.findIndex((a) => a === "-exec" || a === "-execdir" || a === "-ok" || a === "-okdir");
    if (at === -1) return undefined;
    const rest = args.slice(at + 1);
    const end = rest.findIndex((a) => a === ";" || a === "+");
    return end === -1 ? rest : rest.slice(0, end);
  }
  if (name === "xargs") {
    const { positionals } = splitArgs(args, "IiLnPsdEa");
    return positionals.length > 0 ? args.slice(args.indexOf(positionals[0])) : undefined;
  }
  return undefined;
}
