// What every command needs: the state directory, the validated config and the session store.
import path from "node:path";
import { loadConfig, type RatchetConfig, ratchetHome } from "../runtime/config.js";
import { SessionStore } from "../runtime/session-store.js";

export interface CliContext {
  home: string;
  config: RatchetConfig;
  store: SessionStore;
}

/** Opens config and store. Throws a user error for an invalid config. */
export function openContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const home = ratchetHome(env);
  const config = loadConfig(home);
  const store = new SessionStore(path.join(home, "ratchet.db"));
  return { home, config, store };
}
