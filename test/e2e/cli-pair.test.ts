// `ratchet pair list|approve|deny|revoke` against the pairing table in $RATCHET_HOME/ratchet.db,
// without a daemon: what the owner sees and what each answer changes.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { PeerStore } from "../../src/gateway/channels/peers.js";
import { ratchet, sandbox } from "../support/cli.js";

test("pair: list shows open requests; approve, deny and revoke change them; unknown codes fail with a hint", async () => {
  const sb = sandbox({});
  const db = path.join(sb.home, "ratchet.db");
  const peers = new PeerStore(db);
  const alice = peers.request("telegram", "42", "@alice");
  const bob = peers.request("webhook:crm", "bob");
  assert.ok(alice.status === "pending" && bob.status === "pending");

  const list = await ratchet(["pair", "list"], sb.env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${alice.code}  telegram  42  @alice`));
  assert.match(list.stdout, new RegExp(`${bob.code}  webhook:crm  bob`));

  const approve = await ratchet(["pair", "approve", alice.code.toLowerCase()], sb.env);
  assert.equal(approve.code, 0, approve.stderr);
  assert.match(approve.stdout, /Paired: telegram sender 42 \(@alice\)/);
  assert.equal(peers.isAllowed("telegram", "42"), true);

  const deny = await ratchet(["pair", "deny", bob.code], sb.env);
  assert.equal(deny.code, 0, deny.stderr);
  const again = await ratchet(["pair", "approve", bob.code], sb.env);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no open pairing request .*ratchet pair list/);

  const json = await ratchet(["pair", "list", "--json"], sb.env);
  const parsed = JSON.parse(json.stdout) as {
    pairing: unknown[];
    paired: { channel: string; peerId: string }[];
  };
  assert.deepEqual(parsed.pairing, []);
  assert.deepEqual(
    parsed.paired.map((p) => [p.channel, p.peerId]),
    [["telegram", "42"]],
  );

  const revoke = await ratchet(["pair", "revoke", "telegram", "42"], sb.env);
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.equal(peers.isAllowed("telegram", "42"), false);
  assert.equal((await ratchet(["pair", "revoke", "telegram", "42"], sb.env)).code, 1);
  peers.close();
});
