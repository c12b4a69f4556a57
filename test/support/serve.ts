// Scripted model servers for a test file, all closed when the file's tests end.
import { after } from "node:test";
import {
  type ScriptedServer,
  type ScriptedTurn,
  startScriptedServer,
} from "../../src/testkit/scripted-server.js";

const servers: ScriptedServer[] = [];
// Registered when the test file imports this module, so it runs after all of the file's tests
// (an after() called inside a test would belong to that test only).
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** Starts a scripted server (listing model "x" at /v1/models) that closes after the file's tests. */
export async function serve(script: ScriptedTurn[]): Promise<ScriptedServer> {
  const s = await startScriptedServer(script, { models: ["x"] });
  servers.push(s);
  return s;
}
