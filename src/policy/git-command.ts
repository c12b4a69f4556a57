// git: which subcommands use the network, where they connect (URL, scp-style host, or a configured
// remote, which is trusted configuration), and which change .git/config.
import type { Collector } from "./network-commands.js";
import { splitArgs } from "./network-commands.js";

/** git: network subcommands, remotes given as URLs or hosts, and writes to .git/config. */
export function git(args: string[], c: Collector, target: (p: string) => void): void {
  let k = 0;
  while (k < args.length && args[k].startsWith("-"))
    k += ["-C", "-c", "--git-dir", "--work-tree", "--namespace"].includes(args[k]) ? 2 : 1;
  const sub = args[k];
  const { positionals, options } = splitArgs(args.slice(k + 1), "obuC");
  const flags = new Set(options.map(([o]) => o));
  const remote = (r: string | undefined) => {
    if (r === undefined || r.includes("://")) return; // URLs are found in the raw text
    const scp = /^(?:[^@\s/]+@)?([^:\s/]+):/.exec(r);
    if (scp) c.token({ kind: "host", value: scp[1].toLowerCase() });
    else if (/^(~|\/|\.\.|\$)/.test(r)) target(r); // a repository elsewhere on disk is written to
  };
  switch (sub) {
    case "push":
    case "fetch":
    case "pull":
    case "ls-remote":
      c.effect("network");
      remote(positionals[0]);
      return;
    case "clone":
      c.effect("network");
      remote(positionals[0]);
      if (positionals[1] !== undefined) target(positionals[1]);
      return;
    case "submodule":
      if (["add", "update", "sync"].includes(positionals[0] ?? "")) c.effect("network");
      if (positionals[0] === "add") remote(positionals[1]);
      return;
    case "remote":
      if (
        ["add", "set-url", "rename", "remove", "rm", "set-head", "set-branches"].includes(
          positionals[0] ?? "",
        )
      ) {
        c.effect("change_config");
        if (positionals[1]) c.token({ kind: "word", value: positionals[1] });
        remote(positionals[2]);
      } else if (["update", "prune", "show"].includes(positionals[0] ?? "")) c.effect("network");
      return;
    case "config": {
      const reads = ["--get", "--get-all", "--get-regexp", "-l", "--list", "--get-urlmatch", "--show-origin"];
      const writes = [
        "--unset",
        "--unset-all",
        "--add",
        "--replace-all",
        "--rename-section",
        "--remove-section",
        "-e",
        "--edit",
      ];
      if (reads.some((f) => flags.has(f)) || (positionals.length < 2 && !writes.some((f) => flags.has(f))))
        return;
      c.effect("change_config");
      if (flags.has("--global") || flags.has("--system")) c.effect("write_outside_workspace");
      if (positionals[0]) c.token({ kind: "word", value: positionals[0] });
      return;
    }
    case "send-email":
    case "request-pull":
    case "svn":
    case "lfs":
      c.effect("network");
      return;
    case "archive":
      if (options.some(([o]) => o === "--remote")) c.effect("network");
      return;
  }
}
