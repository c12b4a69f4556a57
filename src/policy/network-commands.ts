// Knowledge of programs that use the network: which ones, where they connect (hosts), what they
// send (uploaded files), what they install (package names) and what they publish. Used by
// command-analysis.ts on each simple command; tables are data so adding a program is one line.
import type { Effect } from "../loop/tool.js";
import { hostToken, type ProofToken } from "./proof.js";

/** Where command analysis collects what it finds. */
export interface Collector {
  effect(e: Effect): void;
  token(t: ProofToken): void;
  /** A file the command writes (classified by the caller). */
  target(path: string): void;
  /** A file the command reads and sends somewhere. */
  upload(path: string): void;
}

/** Programs whose very purpose is talking to other machines. */
const NETWORK_PROGRAMS = new Set(
  (
    "curl wget nc ncat netcat socat ssh scp sftp telnet ftp lftp tftp rsync mail mailx sendmail mutt msmtp " +
    "swaks dig nslookup host ping ping6 traceroute tracepath whois aria2c http https xh httpie gh aws gcloud " +
    "az kubectl npx pnpx bunx uvx svn hg mosh openssl websocat grpcurl"
  ).split(" "),
);
const MAIL_PROGRAMS = new Set(["mail", "mailx", "sendmail", "mutt", "msmtp", "swaks"]);

/** Short options that take a value, per program (so the value is not read as a host). */
const VALUE_OPTS: Record<string, string> = {
  ssh: "bcDEeFIiJLlmOopQRSWw",
  scp: "cFiJloPS",
  sftp: "BbcDFiJloPRSs",
  mosh: "p",
  nc: "pswiqxXecIOTV",
  ncat: "pswiqxXecIOTV",
  netcat: "pswiqxXecIOTV",
  telnet: "lben",
  ping: "ciIstwWlpQ",
  ping6: "ciIstwWlpQ",
  traceroute: "fimNpqstwz",
  whois: "hp",
  dig: "bfkpqty",
  curl: "dFHouXAebcTKxmwrEUzYyCQt",
  wget: "OoaPUetTwiBQlARDIX",
};
const HOST_PROGRAMS = new Set(
  "ssh sftp mosh nc ncat netcat telnet ftp lftp tftp ping ping6 traceroute tracepath whois nslookup host".split(
    " ",
  ),
);
const CURL_VALUE_LONG = new Set(
  (
    "data data-binary data-raw data-urlencode data-ascii form form-string header output user request user-agent " +
    "referer cookie cookie-jar upload-file config proxy max-time connect-timeout write-out range retry resolve " +
    "cacert cert key url output-dir unix-socket json proxy-user limit-rate interface dns-servers connect-to " +
    "max-filesize retry-delay retry-max-time time-cond trace trace-ascii stderr netrc-file oauth2-bearer aws-sigv4 " +
    "variable post-data post-file body-data body-file method password output-document output-file directory-prefix " +
    "input-file tries timeout wait base quota level accept reject domains load-cookies save-cookies " +
    "ca-certificate certificate private-key execute bind-address"
  ).split(" "),
);
const DOMAIN_LIKE =
  /^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#].*)?$|^\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:[/?#].*)?$/i;

/** Positional words of `args` (options and their values skipped) and option/value pairs. */
export function splitArgs(
  args: string[],
  shortValues = "",
  longValues: ReadonlySet<string> = new Set(),
): { positionals: string[]; options: [string, string | undefined][] } {
  const positionals: string[] = [];
  const options: [string, string | undefined][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) options.push([a.slice(0, eq), a.slice(eq + 1)]);
      else if (longValues.has(a.slice(2))) options.push([a, args[++i]]);
      else options.push([a, undefined]);
    } else if (a.startsWith("-") && a.length > 1) {
      const flag = a[1];
      if (shortValues.includes(flag)) options.push([`-${flag}`, a.length > 2 ? a.slice(2) : args[++i]]);
      else options.push([a, undefined]);
    } else positionals.push(a);
  }
  return { positionals, options };
}

const hostOf = (word: string) => word.slice(word.lastIndexOf("@") + 1).replace(/^\[|\]$/g, "");

/** Records the network use of one simple command (`name` is its program); false when there is none. */
export function networkCommand(name: string, words: string[], c: Collector): boolean {
  const args = words.slice(1);
  if (name === "git") return false; // handled with git's config writes in command-analysis.ts
  if (packageManager(name, args, c)) return true;
  if (!NETWORK_PROGRAMS.has(name)) return false;
  c.effect("network");
  if (MAIL_PROGRAMS.has(name)) c.effect("message_third_party");
  const { positionals, options } = splitArgs(args, VALUE_OPTS[name] ?? "", CURL_VALUE_LONG);
  // A destination only known at run time ($URL, $(cat hosts)) cannot be proven by the owner's words.
  for (const p of positionals) if (/[$`]/.test(p)) c.token({ kind: "host", value: p });
  if (HOST_PROGRAMS.has(name) && positionals[0]) c.token(hostToken(hostOf(positionals[0])));
  if (name === "dig") {
    for (const p of positionals) if (p.startsWith("@") || DOMAIN_LIKE.test(p)) c.token(hostToken(hostOf(p)));
  }
  if (name === "scp" || name === "rsync" || name === "sftp") {
    for (const p of positionals) {
      const m = /^(?:[^@\s/]+@)?([^:\s/]+):/.exec(p);
      if (m && !p.includes("://")) c.token(hostToken(m[1]));
      else if (p !== positionals[positionals.length - 1]) c.upload(p);
    }
  }
  if (name === "socat") {
    for (const p of positionals) {
      const m = /^(?:tcp|udp|openssl|ssl)[\w-]*:([^:,]+):/i.exec(p);
      if (m) c.token(hostToken(m[1]));
    }
  }
  if (name === "npx" || name === "pnpx" || name === "bunx" || name === "uvx") {
    if (positionals[0]) packageToken(positionals[0], c);
  }
  if (name === "gh" && positionals[0]) c.token({ kind: "word", value: positionals[0] });
  if (name === "curl" || name === "wget") transfer(positionals, options, c);
  return true;
}

// curl/wget: scheme-less URLs are hosts; -o/-O write files; -d @f, -F x=@f, -T f send files.
function transfer(positionals: string[], options: [string, string | undefined][], c: Collector): void {
  for (const p of positionals)
    if (!p.includes("://") && DOMAIN_LIKE.test(p)) c.token(hostToken(p.split(/[/?#]/)[0]));
  for (const [opt, value] of options) {
    if (value === undefined) continue;
    if (
      ["-o", "--output", "-O", "--output-document", "-P", "--directory-prefix", "--output-dir"].includes(opt)
    )
      c.target(value);
    else if (["-d", "--data", "--data-binary", "--data-ascii", "--json"].includes(opt)) {
      if (value.startsWith("@") && value !== "@-") c.upload(value.slice(1));
    } else if (opt === "--data-urlencode") {
      const m = /^[^=@]*@(.+)$/.exec(value);
      if (m && m[1] !== "-") c.upload(m[1]);
    } else if (opt === "-F" || opt === "--form") {
      const m = /^[^=]*=[@<]([^;]+)/.exec(value);
      if (m) c.upload(m[1]);
    } else if (
      ["-T", "--upload-file", "--post-file", "--body-file", "-i", "--input-file", "-K", "--config"].includes(
        opt,
      )
    )
      c.upload(value);
    else if (opt === "--url" && !value.includes("://") && DOMAIN_LIKE.test(value))
      c.token(hostToken(value.split(/[/?#]/)[0]));
  }
}

interface PackageManager {
  /** Subcommands that use the network. */
  net: string[];
  /** Of those, the ones whose positionals are packages to fetch. */
  install: string[];
  /** Of those, the ones that publish the workspace to a registry (exfiltration if injected). */
  publish: string[];
  /** Running it bare installs (yarn). */
  bare?: boolean;
}

const NPM: PackageManager = {
  net: "install i isntall add ci update up upgrade publish unpublish exec x dlx create login adduser view info show audit outdated search deprecate dist-tag owner token whoami ping".split(
    " ",
  ),
  install: "install i isntall add exec x dlx create".split(" "),
  publish: ["publish", "unpublish"],
};
const PACKAGE_MANAGERS: Record<string, PackageManager> = {
  npm: NPM,
  pnpm: NPM,
  yarn: { ...NPM, bare: true },
  bun: NPM,
  pip: {
    net: ["install", "download", "wheel", "index", "search"],
    install: ["install", "download", "wheel"],
    publish: [],
  },
  uv: { net: ["add", "sync", "lock", "tool", "publish", "pip"], install: ["add"], publish: ["publish"] },
  pipx: { net: ["install", "run", "inject", "upgrade"], install: ["install", "run", "inject"], publish: [] },
  gem: {
    net: ["install", "i", "fetch", "push", "update", "sources"],
    install: ["install", "i", "fetch"],
    publish: ["push"],
  },
  bundle: { net: ["install", "update", "add"], install: ["add"], publish: [] },
  cargo: {
    net: ["install", "add", "fetch", "update", "publish", "search", "login", "yank"],
    install: ["install", "add"],
    publish: ["publish", "yank"],
  },
  go: { net: ["get", "install", "mod"], install: ["get", "install"], publish: [] },
  "apt-get": {
    net: ["install", "update", "upgrade", "dist-upgrade", "download", "source"],
    install: ["install", "download", "source"],
    publish: [],
  },
  brew: {
    net: ["install", "update", "upgrade", "tap", "fetch"],
    install: ["install", "fetch", "tap"],
    publish: [],
  },
  dnf: { net: ["install", "update", "upgrade", "download"], install: ["install", "download"], publish: [] },
  apk: { net: ["add", "update", "upgrade", "fetch"], install: ["add", "fetch"], publish: [] },
  docker: {
    net: ["pull", "push", "login", "run", "build", "create"],
    install: ["pull", "run", "create"],
    publish: ["push"],
  },
  conda: { net: ["install", "create", "update", "search"], install: ["install"], publish: [] },
  poetry: { net: ["add", "install", "update", "lock", "publish"], install: ["add"], publish: ["publish"] },
  composer: {
    net: ["install", "require", "update", "create-project"],
    install: ["require", "create-project"],
    publish: [],
  },
  twine: { net: ["upload", "register"], install: [], publish: ["upload", "register"] },
  deno: { net: ["install", "cache", "upgrade", "add"], install: ["install", "add"], publish: ["publish"] },
};
const ALIASES: Record<string, string> = {
  pip3: "pip",
  bundler: "bundle",
  apt: "apt-get",
  aptitude: "apt-get",
  yum: "dnf",
  podman: "docker",
  mamba: "conda",
  micromamba: "conda",
};

function packageManager(name: string, args: string[], c: Collector): boolean {
  const pm = PACKAGE_MANAGERS[ALIASES[name] ?? name];
  if (!pm) return false;
  const { positionals } = splitArgs(
    args,
    "rceiftCwp",
    new Set([
      "requirement",
      "constraint",
      "index-url",
      "extra-index-url",
      "target",
      "prefix",
      "registry",
      "filter",
      "workspace",
    ]),
  );
  let sub = positionals[0];
  let rest = positionals.slice(1);
  if (
    (name === "uv" && sub === "pip") ||
    (name === "uv" && sub === "tool") ||
    (name === "yarn" && sub === "npm")
  ) {
    sub = rest[0];
    rest = rest.slice(1);
  }
  if (sub === undefined ? !pm.bare : !pm.net.includes(sub)) return false;
  c.effect("network");
  if (sub !== undefined && pm.install.includes(sub)) for (const p of rest) packageToken(p, c);
  if (sub !== undefined && pm.publish.includes(sub)) c.token({ kind: "word", value: sub });
  return true;
}

/** A package spec's name as a token (version stripped); local paths and URLs are not packages. */
export function packageToken(spec: string, c: Collector): void {
  if (
    /^[.~/$]/.test(spec) ||
    /\.(tgz|tar\.gz|whl|zip|gem|crate|deb|rpm)$/i.test(spec) ||
    /^[a-z][a-z0-9+.-]*:/i.test(spec)
  )
    return;
  const at = spec.indexOf("@", 1);
  const name = (at > 0 ? spec.slice(0, at) : spec).split(/[=<>!~;[\s]/)[0];
  if (name !== "") c.token({ kind: "package", value: name, alts: name === spec ? [] : [spec] });
}
