// Helpers for env tests: throwaway task folders written from a few strings.
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Writes files (path → content) under a fresh temp dir and returns it. */
export function writeTree(files: Record<string, string>, base?: string): string {
  const root = base ?? mkdtempSync(path.join(os.tmpdir(), "ratchet-env-test-"));
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
    if (p.endsWith(".sh")) chmodSync(p, 0o755);
  }
  return root;
}

export const TOML = (verifierTimeout = 30) =>
  `version = "1.0"\n[agent]\ntimeout_sec = 60.0\n[verifier]\ntimeout_sec = ${verifierTimeout}.0\n`;

/** A task that passes when `answer.txt` holds "42"; the solution writes it. */
export const GOOD_TASK = {
  "task.toml": TOML(),
  "instruction.md": "Write 42 to answer.txt.\n",
  "environment/README": "nothing yet\n",
  "tests/test.sh":
    '#!/bin/bash\nif [ "$(cat answer.txt 2>/dev/null)" = 42 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi\n',
  "solution/solve.sh": "#!/bin/bash\necho 42 > answer.txt\n",
};
