// Who may talk to the agent through a channel. A sender not on the channel's allowlist asks to pair:
// it gets a one-time code (short, random, valid for an hour) and the owner approves that code over
// the authenticated API. Until then its messages are never stored or run. Lives in ratchet.db.
import { randomInt } from "node:crypto";
import type Database from "better-sqlite3";
import { openStore } from "../../util/sqlite.js";

/** How long a pairing code stays valid. */
export const PAIRING_TTL_MS = 60 * 60 * 1000;
/** Most open pairing requests per channel: past this, new senders get no code (spam bound). */
export const MAX_PENDING = 100;
/** No 0/O, 1/I/L: a code read aloud or retyped survives. */
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS channel_peers (
  channel TEXT NOT NULL, peer_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('allowed', 'pending')),
  code TEXT UNIQUE, label TEXT, created_at INTEGER NOT NULL,
  PRIMARY KEY (channel, peer_id)
);
`;

/** An open pairing request, as the owner sees it. */
export interface PairingRequest {
  code: string;
  channel: string;
  peerId: string;
  /** What the channel says about the sender (e.g. a Telegram @username), for the owner to judge. */
  label: string | null;
  createdAt: number;
  expiresAt: number;
}

/** What `request` decided for a sender. */
export type PairingState =
  | { status: "allowed" }
  | {
      status: "pending" /** as shown, ABCD-EFGH */;
      code: string /** new: tell the sender (once) */;
      fresh: boolean;
    }
  | { status: "full" };

interface Row {
  channel: string;
  peer_id: string;
  status: "allowed" | "pending";
  code: string | null;
  label: string | null;
  created_at: number;
}

/** SQLite-backed pairing state. */
export class PeerStore {
  private db: Database.Database;

  constructor(
    file: string,
    private now: () => number = Date.now,
  ) {
    this.db = openStore(file, SCHEMA, "FULL");
  }

  /** Whether the sender was approved (the config allowlist is checked by the caller). */
  isAllowed(channel: string, peerId: string): boolean {
    return this.row(channel, peerId)?.status === "allowed";
  }

  /** An unknown sender's pairing code: the open one, or a new one when none or expired. */
  request(channel: string, peerId: string, label?: string): PairingState {
    return this.db.transaction((): PairingState => {
      const row = this.row(channel, peerId);
      if (row?.status === "allowed") return { status: "allowed" };
      if (row?.code && row.created_at + PAIRING_TTL_MS > this.now())
        return { status: "pending", code: showCode(row.code), fresh: false };
      const open = this.db
        .prepare(
          "SELECT COUNT(*) AS n FROM channel_peers WHERE channel = ? AND status = 'pending' AND created_at > ?",
        )
        .get(channel, this.now() - PAIRING_TTL_MS) as { n: number };
      if (open.n >= MAX_PENDING) return { status: "full" };
      this.db
        .prepare("DELETE FROM channel_peers WHERE status = 'pending' AND created_at <= ?")
        .run(this.now() - PAIRING_TTL_MS);
      const code = newCode();
      this.db
        .prepare(
          "INSERT INTO channel_peers (channel, peer_id, status, code, label, created_at) VALUES (?, ?, 'pending', ?, ?, ?) " +
            "ON CONFLICT (channel, peer_id) DO UPDATE SET code = excluded.code, label = excluded.label, created_at = excluded.created_at",
        )
        .run(channel, peerId, code, label ?? null, this.now());
      return { status: "pending", code: showCode(code), fresh: true };
    })();
  }

  /** Approves an open code (any case, dashes and spaces ignored); returns who was approved. */
  approve(code: string): PairingRequest | undefined {
    const req = this.find(code);
    if (!req) return undefined;
    this.db
      .prepare(
        "UPDATE channel_peers SET status = 'allowed', code = NULL, created_at = ? WHERE channel = ? AND peer_id = ?",
      )
      .run(this.now(), req.channel, req.peerId);
    return req;
  }

  /** Drops an open code; the sender may ask again later. */
  deny(code: string): PairingRequest | undefined {
    const req = this.find(code);
    if (!req) return undefined;
    this.db
      .prepare("DELETE FROM channel_peers WHERE channel = ? AND peer_id = ? AND status = 'pending'")
      .run(req.channel, req.peerId);
    return req;
  }

  /** Senders approved by pairing (the config allowlist is not here), oldest first. */
  paired(): { channel: string; peerId: string; label: string | null; since: number }[] {
    const rows = this.db
      .prepare("SELECT * FROM channel_peers WHERE status = 'allowed' ORDER BY created_at")
      .all() as Row[];
    return rows.map((r) => ({ channel: r.channel, peerId: r.peer_id, label: r.label, since: r.created_at }));
  }

  /** Withdraws a pairing; the sender must pair again. Returns whether one was withdrawn. */
  revoke(channel: string, peerId: string): boolean {
    return (
      this.db
        .prepare("DELETE FROM channel_peers WHERE channel = ? AND peer_id = ? AND status = 'allowed'")
        .run(channel, peerId).changes > 0
    );
  }

  /** Open (unexpired) requests, oldest first. */
  pending(): PairingRequest[] {
    const rows = this.db
      .prepare("SELECT * FROM channel_peers WHERE status = 'pending' AND created_at > ? ORDER BY created_at")
      .all(this.now() - PAIRING_TTL_MS) as Row[];
    return rows.map(toRequest);
  }

  close(): void {
    this.db.close();
  }

  private find(code: string): PairingRequest | undefined {
    const norm = normalizeCode(code);
    const row = this.db
      .prepare("SELECT * FROM channel_peers WHERE code = ? AND status = 'pending' AND created_at > ?")
      .get(norm, this.now() - PAIRING_TTL_MS) as Row | undefined;
    return row ? toRequest(row) : undefined;
  }

  private row(channel: string, peerId: string): Row | undefined {
    return this.db
      .prepare("SELECT * FROM channel_peers WHERE channel = ? AND peer_id = ?")
      .get(channel, peerId) as Row | undefined;
  }
}

/** A code as stored: upper case, no separators. */
export function normalizeCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, "");
}

/** A code as shown: ABCD-EFGH. */
export function showCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

function newCode(): string {
  let s = "";
  for (let i = 0; i < 8; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

function toRequest(r: Row): PairingRequest {
  return {
    code: showCode(r.code ?? ""),
    channel: r.channel,
    peerId: r.peer_id,
    label: r.label,
    createdAt: r.created_at,
    expiresAt: r.created_at + PAIRING_TTL_MS,
  };
}
