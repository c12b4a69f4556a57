// `ratchet pair list|approve|deny CODE`: the owner's side of channel pairing. Reads and writes the
// pairing table in ratchet.db directly (as `approvals` does), so it works with or without a running
// daemon; an approval applies to the sender's next message.
import path from "node:path";
import { ratchetHome } from "../runtime/config.js";

async function openPeers() {
  const { PeerStore } = await import("../gateway/channels/peers.js");
  return new PeerStore(path.join(ratchetHome(), "ratchet.db"));
}

/** Lists open pairing requests. */
export async function pairList(flags: { json?: boolean }): Promise<number> {
  const peers = await openPeers();
  try {
    const open = peers.pending();
    const paired = peers.paired();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ pairing: open, paired })}\n`);
      return 0;
    }
    for (const p of paired)
      process.stdout.write(`paired   ${p.channel}  ${p.peerId}${p.label ? `  ${p.label}` : ""}\n`);
    if (open.length === 0) process.stdout.write("No one is waiting to pair.\n");
    for (const p of open) {
      const left = Math.max(0, Math.round((p.expiresAt - Date.now()) / 60_000));
      process.stdout.write(
        `${p.code}  ${p.channel}  ${p.peerId}${p.label ? `  ${p.label}` : ""}  (${left} min left)\n`,
      );
    }
    return 0;
  } finally {
    peers.close();
  }
}

/** Withdraws one sender's pairing. */
export async function pairRevoke(channel: string, peerId: string): Promise<number> {
  const peers = await openPeers();
  try {
    if (!peers.revoke(channel, peerId)) {
      process.stderr.write(
        `ratchet: ${channel} sender ${peerId} is not paired (see \`ratchet pair list\`; senders in allowFrom are removed in config.json).\n`,
      );
      return 1;
    }
    process.stdout.write(`Revoked: ${channel} sender ${peerId} must pair again.\n`);
    return 0;
  } finally {
    peers.close();
  }
}

/** Approves or denies one code. */
export async function pairAnswer(code: string, decision: "approve" | "deny"): Promise<number> {
  const peers = await openPeers();
  try {
    const p = decision === "approve" ? peers.approve(code) : peers.deny(code);
    if (!p) {
      process.stderr.write(
        `ratchet: no open pairing request with code "${code}". Codes expire after an hour; see \`ratchet pair list\`.\n`,
      );
      return 1;
    }
    process.stdout.write(
      decision === "approve"
        ? `Paired: ${p.channel} sender ${p.peerId}${p.label ? ` (${p.label})` : ""}; their next message runs.\n`
        : `Denied: ${p.channel} sender ${p.peerId}; they may ask again later.\n`,
    );
    return 0;
  } finally {
    peers.close();
  }
}
