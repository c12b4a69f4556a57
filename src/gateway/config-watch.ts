// Live configuration: the daemon re-reads config.json when it changes. A file that fails to parse
// or validate is reported (file, key, fix) and the last good configuration stays in force; the
// daemon never exits over configuration, so a bad edit cannot cause a crash loop.
import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { configPath, loadConfig, type RatchetConfig } from "../runtime/config.js";
import { describeError } from "../util/errors.js";

/** The current configuration and a way to stop watching. */
export interface LiveConfig {
  current(): RatchetConfig;
  /** Re-reads now (the watcher calls this); returns whether the file was accepted. */
  reload(): boolean;
  /** Calls `listener` after each accepted reload (not for the first load). */
  onReload(listener: (config: RatchetConfig) => void): void;
  close(): void;
}

/** Loads the config (an invalid file at start means defaults, reported) and watches its folder. */
export function watchConfig(home: string, log: (line: string) => void, debounceMs = 100): LiveConfig {
  let good: RatchetConfig = {};
  // Empty during the first load (nobody can have subscribed yet), so listeners hear only reloads.
  const listeners: ((config: RatchetConfig) => void)[] = [];
  const reload = (): boolean => {
    try {
      good = loadConfig(home);
      for (const l of listeners) l(good);
      return true;
    } catch (err) {
      log(
        `config: ${describeError(err)}\nconfig: keeping the last good configuration until the file is fixed`,
      );
      return false;
    }
  };
  reload();
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const file = path.basename(configPath(home));
  try {
    // Watch the folder, not the file: editors replace files by rename, which ends a file watch.
    watcher = watch(home, { persistent: false }, (_event, name) => {
      if (name !== null && name !== file) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (reload()) log("config: reloaded");
      }, debounceMs);
    });
    watcher.on("error", (err) => log(`config: watching stopped: ${describeError(err)}`));
  } catch (err) {
    log(`config: cannot watch ${home} (${describeError(err)}); changes need a restart`);
  }
  return {
    current: () => good,
    reload,
    onReload: (listener) => listeners.push(listener),
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
