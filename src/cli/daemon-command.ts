// `ratchet daemon` and `ratchet token`: thin CLI wrappers around the gateway layer, loaded on
// demand so other commands never pay for the HTTP stack.
import path from "node:path";
import { loadConfig, type RatchetConfig, ratchetHome } from "../runtime/config.js";
import { describeError } from "../util/errors.js";

export interface DaemonFlags {
  host?: string;
  port?: number;
  allowRemote?: boolean;
  workspace?: string;
  printSystemdUnit?: boolean;
}

/** Runs the daemon in the foreground until SIGINT/SIGTERM; the first stdout line is its URL. */
export async function daemonCommand(flags: DaemonFlags, version: string): Promise<number> {
  const home = ratchetHome();
  const { DEFAULT_PORT, startDaemon } = await import("../gateway/daemon.js");
  const config = configOrEmpty(home);
  const host = flags.host ?? "127.0.0.1";
  const port = flags.port ?? config.daemon?.port ?? DEFAULT_PORT;
  const workspace = path.resolve(flags.workspace ?? config.daemon?.workspace ?? process.cwd());
  if (flags.printSystemdUnit) {
    const { systemdUnit } = await import("../gateway/systemd.js");
    const bin = path.resolve(process.argv[1] ?? "ratchet");
    process.stdout.write(systemdUnit({ node: process.execPath, bin, home, workspace, host, port }));
    return 0;
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  // A daemon must outlive one bad request or one bad run: report, keep serving.
  process.on("uncaughtException", (err) => log(`internal error (kept running): ${err.stack ?? err.message}`));
  process.on("unhandledRejection", (err) => log(`internal error (kept running): ${describeError(err)}`));
  const daemon = await startDaemon({
    home,
    host,
    port,
    workspace,
    version,
    log,
    ...(flags.allowRemote ? { allowRemote: true } : {}),
  });
  process.stdout.write(`${daemon.url}\n`);
  log(`ratchet daemon listening on ${daemon.url} (token: \`ratchet token\`; state: ${home})`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      log("stopping: runs in flight resume at the next start");
      // Exit even if a client keeps a connection half-open past the close.
      setTimeout(() => process.exit(0), 3000).unref();
      void daemon.close().finally(resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return 0;
}

/** Prints the daemon's token (creating it if the daemon never ran). */
export async function tokenCommand(): Promise<number> {
  const { loadOrCreateToken } = await import("../gateway/token.js");
  process.stdout.write(`${loadOrCreateToken(ratchetHome())}\n`);
  return 0;
}

function configOrEmpty(home: string): RatchetConfig {
  try {
    return loadConfig(home);
  } catch {
    return {}; // the daemon reports the problem itself and keeps running on defaults
  }
}
