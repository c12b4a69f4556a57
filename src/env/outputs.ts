// Per-attempt files under --out: result.json, reward.txt, verifier-output.txt and the trajectory
// exports (ATIF trajectory.json, OpenAI chat JSONL for fine-tuning). steps.jsonl, written while
// the attempt ran, sits beside them.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { toAtif } from "./atif.js";
import { toChatJsonl } from "./chat-jsonl.js";
import type { AttemptOutcome } from "./runner.js";

export function writeAttemptFiles(dir: string, { result, trajectory }: AttemptOutcome): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "result.json"), `${JSON.stringify(result, null, 2)}\n`);
  if (result.reward !== null) writeFileSync(path.join(dir, "reward.txt"), `${result.reward}\n`);
  writeFileSync(path.join(dir, "verifier-output.txt"), result.verifierOutput);
  writeFileSync(path.join(dir, "trajectory.json"), `${JSON.stringify(toAtif(trajectory), null, 2)}\n`);
  writeFileSync(path.join(dir, "chat.jsonl"), toChatJsonl(trajectory));
}
